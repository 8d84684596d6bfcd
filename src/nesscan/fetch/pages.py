"""Resumable download of a paginated UniProt REST search.

UniProt's ``/uniprotkb/search`` returns ``size`` entries per response and the
URL of the next page in a ``Link: <...>; rel="next"`` header (a cursor); every
page carries ``X-Total-Results`` (entries in the whole result) and
``X-UniProt-Release``. :func:`fetch_pages` stores each finished page in a work
folder with a ``manifest.json`` (first URL, release, total, pages done, next
URL), written atomically after each page, so a fetch that was interrupted
continues at the page where it stopped. A release change between pages
restarts from the first page: pages of two releases are never mixed.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nesscan.atomic import write_bytes, write_text
from nesscan.fetch.http import http_get, next_link
from nesscan.errors import NesscanError

#: ``validate(body, url) -> number of entries``; raises NesscanError on a corrupt page.
Validator = Callable[[bytes, str], int]

_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Pages:
    """The pages of a finished search, in order."""

    files: list[Path]  # one file per page, in the work folder
    total: int  # entries: X-Total-Results, equal to the entries counted in the pages
    release: str  # X-UniProt-Release ("" when the server sent none)


def _start(workdir: Path, first_url: str) -> dict:
    manifest = workdir / _MANIFEST
    if manifest.is_file():
        state = json.loads(manifest.read_text())
        if state.get("first_url") == first_url:
            return state
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    return {"first_url": first_url, "release": None, "total": None, "pages": [], "next": first_url}


def fetch_pages(
    first_url: str,
    workdir: str | Path,
    validate: Validator,
    *,
    suffix: str = ".txt",
    retries: int = 4,
    timeout: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> Pages:
    """Download every page of a UniProt search into ``workdir``, resuming earlier work.

    Parameters
    ----------
    first_url
        URL of the first page (query, format, size). A manifest made for
        another URL is discarded.
    workdir
        Folder for the pages and the manifest; it survives an interruption.
    validate
        Checks one page body and returns its number of entries.
    suffix
        File suffix of the stored pages.
    retries, timeout
        Per request, see :func:`nesscan.fetch.http.http_get`.
    progress
        ``progress(entries_done, total_entries)`` after each page.

    Raises
    ------
    NesscanError
        A request failed (the pages done so far are kept: run again to resume),
        a page is corrupt, or the entries do not add up to ``X-Total-Results``.
    """
    workdir = Path(workdir)
    state = _start(workdir, first_url)
    for _restart in range(2):
        restarted = False
        while state["next"]:
            try:
                resp = http_get(state["next"], retries=retries, timeout=timeout)
            except NesscanError as err:
                if not state["pages"]:
                    shutil.rmtree(workdir, ignore_errors=True)
                    raise
                raise NesscanError(f"{err}; the {len(state['pages'])} pages received are kept in {workdir}: "
                                   "run the same command again to continue") from None
            release = resp.headers.get("X-UniProt-Release", "")
            total = resp.headers.get("X-Total-Results")
            if total is None or not total.strip().isdigit():
                raise NesscanError(f"{state['next']}: no X-Total-Results header: not a UniProt search response")
            if state["release"] is not None and release != state["release"]:
                shutil.rmtree(workdir)  # UniProt released new data mid-way: start again
                state, restarted = _start(workdir, first_url), True
                break
            count = validate(resp.body, state["next"])
            name = f"page_{len(state['pages']) + 1:05d}{suffix}"
            write_bytes(workdir / name, resp.body)
            state["pages"].append({"file": name, "entries": count})
            state.update(release=release, total=int(total), next=next_link(resp.headers))
            write_text(workdir / _MANIFEST, json.dumps(state, indent=1))
            if progress is not None:
                progress(sum(p["entries"] for p in state["pages"]), state["total"])
        if not restarted:
            break
    else:
        raise NesscanError(f"{first_url}: the UniProt release changed twice during the download; run again")
    got = sum(p["entries"] for p in state["pages"])
    if state["total"] is not None and got != state["total"]:
        shutil.rmtree(workdir)
        raise NesscanError(f"{first_url}: {got} entries received but X-Total-Results said {state['total']}; "
                           "the pages were discarded, run again")
    return Pages([workdir / p["file"] for p in state["pages"]], int(state["total"] or 0), state["release"] or "")
