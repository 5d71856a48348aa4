"""`python -m bot` runs the regbot command line."""

from bot.cli import main

main()
