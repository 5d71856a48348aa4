"""The system as an operator runs it: the CLI, regbot serve and socket as processes, backups
and crashes, several instances, Slack failing, and what reaches the logs."""
