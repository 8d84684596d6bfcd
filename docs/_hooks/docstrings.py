"""MkDocs hook: nesscan's docstrings use Sphinx roles (``:func:`predict```, ``:class:`~nesscan.records.Protein```)
and reStructuredText's ``Example::``; on the pages mkdocstrings renders, show the roles as plain code
(``predict``, ``Protein``) and the ``::`` as ``:``."""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|data|meth|attr|exc|obj|const|ref|doc):(<code>)(~)?([^<]*)</code>")


def _code(match: re.Match) -> str:
    name = match.group(3)
    if match.group(2):  # ~a.b.c shows c
        name = name.rsplit(".", 1)[-1]
    return f"<code>{name}</code>"


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs event)
    if "doc-object" not in html:  # only pages with mkdocstrings output
        return html
    html = _ROLE.sub(_code, html)
    return re.sub(r"::</p>", ":</p>", html)
