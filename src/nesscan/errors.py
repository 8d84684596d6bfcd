"""Errors that reach the user as one clear line (see :func:`nesscan.cli.main`)."""

from __future__ import annotations

import os


class NesscanError(Exception):
    """An error caused by the user's input or environment, shown as one line."""


class InputError(NesscanError):
    """Bad content in an input file.

    Parameters
    ----------
    path
        The file that holds the problem.
    record
        The record (FASTA id, CSV row, ...) that holds it, or ``None``.
    message
        What is wrong, in a few words.
    """

    def __init__(self, path: str | os.PathLike, record: str | None, message: str) -> None:
        self.path = str(path)
        self.record = record
        self.message = message
        where = f"{self.path}" + (f", record {record}" if record is not None else "")
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # picklable, so it crosses from a worker process intact
        return (type(self), (self.path, self.record, self.message))
