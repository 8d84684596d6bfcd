"""nesscan's version (one place: the package, its CLI, its run records and its web pages)."""

__version__ = "0.1.0"
