"""`python -m tei_edition` runs the command line."""

from .cli import main

main()
