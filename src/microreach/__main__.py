"""Entry point for ``python -m microreach``."""

from microreach.cli import main

main()
