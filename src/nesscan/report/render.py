"""Report content as a list of blocks, rendered to Markdown and to self-contained HTML.

Both renderings come from the same blocks, so they carry the same numbers. The HTML
embeds every figure as a ``data:image/png;base64`` URI and its CSS inline: it makes
no request to any other file or server and opens offline.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Mapping, Sequence, Union


@dataclass(frozen=True)
class Heading:
    """A section heading (``level`` 1-3)."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table: ``header`` names, ``rows`` of already formatted cells, a caption above."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    mono: tuple[str, ...] = ()  # columns shown in a monospace font (sequences)


@dataclass(frozen=True)
class FigureRef:
    """A figure saved as ``{stem}.png`` / ``{stem}.svg`` beside the report, with its caption."""

    stem: str
    caption: str


Block = Union[Heading, Para, Table, FigureRef]

CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1180px;margin:2em auto;padding:0 1.2em;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #345;padding-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;
color:#234}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.4em 0 1.4em;font-size:.86em}
th,td{border:1px solid #bbb;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#e8eef5}tr:nth-child(even) td{background:#f7f9fb}
td.mono{font-family:Menlo,Consolas,monospace;font-size:.95em}
caption{caption-side:top;text-align:left;font-weight:bold;padding:.3em 0}
figure{margin:1.2em 0 1.8em}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.9em;color:#333;margin-top:.4em}
.note{color:#666;font-style:italic}
"""


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown with figures linked relatively (``fig1_roc.png``) and pipe tables."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, FigureRef):
            out.append(f"![{b.stem}]({b.stem}.png)\n\n{b.caption} (vector: [{b.stem}.svg]({b.stem}.svg))")
        elif isinstance(b, Table):
            lines = [f"**{b.caption}**", "", "| " + " | ".join(_md_cell(h) for h in b.header) + " |",
                     "|" + "---|" * len(b.header)]
            for row in b.rows:
                cells = [f"`{c}`" if h in b.mono and c not in ("", "n/a") else _md_cell(c)
                         for h, c in zip(b.header, row)]
                lines.append("| " + " | ".join(cells) + " |")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _html_table(t: Table) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in t.header)
    body = []
    for row in t.rows:
        cells = "".join(f'<td class="mono">{esc(c)}</td>' if h in t.mono else f"<td>{esc(c)}</td>"
                        for h, c in zip(t.header, row))
        body.append(f"<tr>{cells}</tr>")
    return (f"<table><caption>{esc(t.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def to_html(blocks: Sequence[Block], images: Mapping[str, bytes], title: str) -> str:
    """One self-contained HTML page: ``images`` maps a figure stem to its PNG bytes."""
    esc = html.escape
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"]
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{esc(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = ' class="note"' if b.text.startswith("Not computed") else ""
            parts.append(f"<p{cls}>{esc(b.text)}</p>")
        elif isinstance(b, FigureRef):
            data = base64.b64encode(images[b.stem]).decode("ascii")
            parts.append(f'<figure><img alt="{esc(b.stem)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{esc(b.caption)}</figcaption></figure>")
        elif isinstance(b, Table):
            parts.append(_html_table(b))
    parts.append("</body></html>\n")
    return "\n".join(parts)
