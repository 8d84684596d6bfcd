"""``python -m nesscan``."""

from nesscan.cli import console_main

console_main()
