"""MkDocs hook: the command-line reference, rendered from the argparse parsers at build time.

``docs/reference/cli.md`` holds a marker line, ``<!-- cli-reference -->``; :func:`on_page_markdown`
replaces it with one section per command (and per ``fetch`` sub-command), built from
:func:`nesscan.cli.build_parser`: the usage line, the description, the positional arguments and
every option with its help text and default, and the command's ``Example:`` epilog. Nothing is
copied by hand, so the page cannot drift from ``nesscan CMD --help``. ``tests/test_docs_options.py``
imports :func:`commands` from here to check every ``nesscan CMD --option`` written in the docs.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from pathlib import Path

MARKER = "<!-- cli-reference -->"
PAGE = "reference/cli.md"
ROOT = Path(__file__).resolve().parents[2]


def _import_cli():
    """``nesscan.cli`` of this checkout (src/ first on the path), whatever else is installed."""
    src = str(ROOT / "src")
    if "nesscan" not in sys.modules and src not in sys.path:
        sys.path.insert(0, src)
    import nesscan.cli

    return nesscan.cli


def commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every parser of ``nesscan``, keyed by its command path: ``()`` is ``nesscan`` itself,
    ``("screen",)`` is ``nesscan screen``, ``("fetch", "proteome")`` is ``nesscan fetch proteome``;
    in the order of ``nesscan --help``."""
    cli = _import_cli()
    out: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
        out[path] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk((*path, name), sub)

    walk((), cli.build_parser())
    return out


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string the parser accepts, hidden (deprecated) aliases and ``-h`` included."""
    return {s for action in parser._actions for s in action.option_strings}


# ----------------------------------------------------------------------------- rendering

_CODE = re.compile(r"(`[^`]*`)")


def _text(text: str) -> str:
    """Help text as Markdown: code spans kept, HTML and Markdown syntax outside them escaped."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):
        part = html.escape(parts[i], quote=False)
        parts[i] = re.sub(r"([\\*_\[\]|])", r"\\\1", part)
    return "".join(parts)


def _cell(text: str) -> str:
    """:func:`_text` for a table cell (pipes inside code spans escaped too, one line)."""
    return _text(" ".join(text.split())).replace("`|", "`\\|")


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """argparse's own expansion of ``%(default)s`` and friends in a help string."""
    return parser._get_formatter()._expand_help(action) if action.help else ""


def _default(action: argparse.Action) -> str:
    if action.required:
        return "required"
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._VersionAction)):
        return ""
    value = action.default
    if value is None or value == argparse.SUPPRESS or value == []:
        return ""
    return f"`{value}`"


def _invocation(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    formatter = parser._get_formatter()
    if action.option_strings:
        return formatter._format_action_invocation(action)
    return formatter._metavar_formatter(action, action.dest)(1)[0]


def _usage(parser: argparse.ArgumentParser) -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"  # the same line breaks on every terminal, and no scrolling
    try:
        return parser.format_usage().strip()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def _epilog(epilog: str | None) -> list[str]:
    """An ``Example:`` epilog as a bash block (its commands are checked by tests/test_docs_options.py)."""
    if not epilog:
        return []
    head, _, body = epilog.partition("\n")
    if head.strip().rstrip(":") != "Example" or not body.strip():
        return [_text(epilog), ""]
    lines = [line[2:] if line.startswith("  ") else line for line in body.splitlines()]
    return ["Example:", "", "```bash", *lines, "```", ""]


def render_command(path: tuple[str, ...], parser: argparse.ArgumentParser, level: int) -> str:
    """One command's section: heading, usage, description, arguments, options, example."""
    name = " ".join(("nesscan", *path))
    out = [f"{'#' * level} `{name}`", "", "```text", _usage(parser), "```", ""]
    if parser.description:
        for para in re.split(r"\n\s*\n", parser.description.strip()):
            out += [_text(" ".join(para.split())), ""]
    actions = [a for a in parser._actions if a.help != argparse.SUPPRESS]
    positional = [a for a in actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]
    subs = [a for a in actions if isinstance(a, argparse._SubParsersAction)]
    options = [a for a in actions if a.option_strings and not isinstance(a, argparse._HelpAction)]
    if positional:
        out += ["| argument | meaning |", "| --- | --- |"]
        out += [f"| `{_invocation(parser, a)}` | {_cell(_help(parser, a))} |" for a in positional]
        out.append("")
    for action in subs:
        out += ["| command | what it does |", "| --- | --- |"]
        helps = {c.dest: c.help for c in action._choices_actions}
        out += [f"| [`{name} {sub}`](#{_anchor(f'{name} {sub}')}) | {_cell(helps.get(sub) or '')} |"
                for sub in action.choices]
        out.append("")
    if options:
        out += ["| option | meaning | default |", "| --- | --- | --- |"]
        out += [f"| `{_invocation(parser, a)}` | {_cell(_help(parser, a))} | {_default(a)} |" for a in options]
        out.append("")
    out += _epilog(parser.epilog)
    return "\n".join(out)


def _anchor(title: str) -> str:
    """The id MkDocs' toc extension gives a heading ``title`` (its default slugify)."""
    from markdown.extensions.toc import slugify

    return slugify(title, "-")


def render() -> str:
    """The whole reference: ``nesscan`` itself, then each command in ``--help`` order."""
    parsers = commands()
    sections = []
    for path, parser in parsers.items():
        sections.append(render_command(path, parser, level=2 + max(len(path) - 1, 0)))
    return "\n".join(sections)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs event)
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"{PAGE}: the marker {MARKER} is missing, so the CLI reference would be empty")
    return markdown.replace(MARKER, render())
