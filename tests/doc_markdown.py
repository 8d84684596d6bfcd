"""Reading the docs' Markdown (fenced blocks, prose, inline code, the pages) and the CLI
reference hook's parsers, for the docs tests (tests/test_docs.py, tests/test_docs_options.py)."""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOK = DOCS / "_hooks" / "cli_reference.py"
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


@functools.lru_cache(maxsize=None)
def cli_hook():
    """docs/_hooks/cli_reference.py, the module that renders the CLI reference."""
    spec = importlib.util.spec_from_file_location("nesscan_docs_cli_reference", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def every_option() -> frozenset[str]:
    """Every option of every nesscan parser."""
    hook = cli_hook()
    return frozenset().union(*(hook.option_strings(p) for p in hook.commands().values()))

# ----------------------------------------------------------------------------- reading Markdown


@dataclass
class Block:
    """A fenced code block of a Markdown page."""

    lang: str  # first word of the info string, lower-case ("" when none)
    code: str  # dedented by the fence's indentation
    line: int  # 1-based line of the opening fence
    marker: str | None  # the previous non-blank line when it is an HTML comment, else None


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of ``text`` (``` or ~~~, indented ones too), in order."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m.group("indent")), m.group("fence")
        lang = (m.group("info").split() or [""])[0].strip("{}.").lower()
        prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = prev.strip() if prev.strip().startswith("<!--") else None
        body, j = [], i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                break
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j].lstrip())
            j += 1
        blocks.append(Block(lang, "\n".join(body) + "\n", i + 1, marker))
        i = j + 1
    return blocks


def prose(text: str) -> str:
    """``text`` with its fenced blocks blanked (line numbers kept)."""
    out, inside, fence = [], False, ""
    for line in text.splitlines():
        m = FENCE.match(line)
        if not inside and m:
            inside, fence = True, m.group("fence")
            out.append("")
        elif inside and line.strip().startswith(fence[0] * len(fence)) and set(line.strip()) == {fence[0]}:
            inside = False
            out.append("")
        else:
            out.append("" if inside else line)
    return "\n".join(out)


def inline_code(text: str) -> list[tuple[str, int]]:
    """Every inline code span outside fenced blocks, with its line."""
    out = []
    for n, line in enumerate(prose(text).splitlines(), 1):
        for m in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", line):
            out.append((m.group(2).strip(), n))
    return out


def doc_pages() -> list[Path]:
    """Every Markdown page of the site (the hooks' folder holds none)."""
    return sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)
