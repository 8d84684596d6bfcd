"""Command-line interface: ``main(argv) -> int`` is the one place errors become exit codes."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from nesscan.version import __version__
from nesscan.errors import NesscanError

COMMANDS = ("predict", "screen", "train", "evaluate", "run", "report", "fetch", "serve", "structure", "mutate")


def build_parser() -> argparse.ArgumentParser:
    """The ``nesscan`` parser with one sub-parser per command module."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="nesscan", description="Find nuclear export signals (NES) and screen proteomes for new ones.",
        epilog="Example:\n  nesscan screen proteome.fasta.gz -o out/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nesscan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"nesscan.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nesscan`` with ``argv``; returns the exit status (0 ok, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except NesscanError as exc:
        print(f"nesscan {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:  # unwritable output, a file where a folder is expected, disk full...
        print(f"nesscan {args.command}: error: {one_line(os_error_message(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        hint = ""
        if args.command in ("screen", "run"):
            hint = ("; finished chunks are kept: rerun the same command with --resume to continue"
                    " where it stopped")
        print(f"nesscan {args.command}: interrupted{hint}", file=sys.stderr)
        return 130


def one_line(message: str) -> str:
    """``message`` with line breaks and other control characters escaped (``\\n``, ``\\x1d``):
    an error is one line on the terminal, whatever bytes an input file put into it."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in message)


def os_error_message(exc: OSError) -> str:
    """One line for an :class:`OSError`, saying what the path is when the system's words mislead.

    ``mkdir`` of an output folder whose name is a file fails with "File exists"; writing
    beside a parent that is a file fails with "Not a directory".
    """
    import errno
    import os

    name = exc.filename
    where = f"{name}: " if name else ""
    if name and exc.errno == errno.EEXIST and os.path.isfile(name):
        return f"{name}: names a file, not a folder (give a folder for the output, or remove the file)"
    if name and exc.errno == errno.ENOTDIR:
        return f"{where}a part of this path is a file, not a folder"
    return f"{where}{exc.strerror or exc}"


def console_main() -> None:
    """Entry point of the ``nesscan`` console script."""
    sys.exit(main())
