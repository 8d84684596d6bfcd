"""The worked examples of the docs that tests execute (tests/test_registry.py, tests/test_tracks.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: where the worked examples live, then where they lived before the docs site
PAGES = (ROOT / "docs" / "howto" / "extend.md", ROOT / "README.md")


def worked_example(heading: str) -> tuple[str, Path]:
    """The first ```python block under the heading ``heading`` of the first page of :data:`PAGES`
    that has it, and that page."""
    for page in PAGES:
        text = page.read_text() if page.is_file() else ""
        m = re.search(rf"^#+ {re.escape(heading)}\s*$", text, re.M)
        if m:
            return re.search(r"```python\n(.*?)```", text[m.end():], re.S).group(1), page
    raise AssertionError(f"no section {heading!r} in {' or '.join(p.name for p in PAGES)}")
