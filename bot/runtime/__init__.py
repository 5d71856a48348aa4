"""What runs the app: the web server of `regbot serve` and the scheduler of its jobs."""
