"""What the page handlers (:mod:`nesscan.web.pages`) and the API handlers (:mod:`nesscan.web.api`) share.

The application state, reading query parameters, running a prediction in a worker thread
(at most ``State.limiter`` at once, so the event loop keeps answering while the CPU
works) and gathering a screened protein's data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request

from nesscan.errors import NesscanError
from nesscan.web import predict as pred
from nesscan.web.screens import Screen


@dataclass
class State:
    """What the handlers share: the model, loaded once, and the screens."""

    model: Any  # nesscan.predictor.Predictor
    screens: dict[str, Screen]
    limiter: Any  # anyio.CapacityLimiter: predictions at once
    page_rows: int
    max_body_bytes: int


def state(request: Request) -> State:
    """The application's :class:`State`."""
    return request.app.state.nesscan


def number(value: str | None, name: str, low: float = 0.0, high: float = 1.0) -> float | None:
    """A form or query value as a number in ``[low, high]``; None when empty.

    >>> number("0.5", "threshold"), number("", "threshold")
    (0.5, None)
    >>> number("2", "threshold")
    Traceback (most recent call last):
    ...
    nesscan.errors.NesscanError: threshold must be between 0 and 1, not 2
    """
    if value is None or str(value).strip() == "":
        return None
    try:
        out = float(value)
    except ValueError:
        raise NesscanError(f"{name} must be a number between {low:g} and {high:g}, not {value!r}") from None
    if not low <= out <= high or math.isnan(out):
        raise NesscanError(f"{name} must be between {low:g} and {high:g}, not {value}")
    return out


def limits(state: State) -> dict:
    """The input limits, as the predict page and ``GET /api/health`` state them."""
    return {"max_sequence_length": pred.MAX_SEQUENCE_LENGTH, "max_records": pred.MAX_RECORDS,
            "max_total_residues": pred.MAX_TOTAL_RESIDUES, "max_body_bytes": state.max_body_bytes}


async def predict(request: Request, text: str, threshold: float | None) -> list[pred.Prediction]:
    """:func:`nesscan.web.predict.predict` in a worker thread."""
    import anyio

    st = state(request)
    return await anyio.to_thread.run_sync(pred.predict, text, st.model, threshold,
                                          limiter=st.limiter)


async def in_thread(func: Any, *args: Any) -> Any:
    import anyio

    return await anyio.to_thread.run_sync(func, *args)


def screen(request: Request) -> Screen:
    """The screen the ``screen`` query parameter names (the first one when absent); HTTP 404 if none."""
    screens = state(request).screens
    if not screens:
        raise HTTPException(404, "no screen loaded: start the server with nesscan serve --browse DIR")
    name = request.query_params.get("screen") or next(iter(screens))
    if name not in screens:
        raise HTTPException(404, f"no screen named {name!r} (screens: {', '.join(screens)})")
    return screens[name]


def filters(request: Request, default_call: str = "all") -> dict:
    """The query's filters, as keyword arguments of :func:`nesscan.web.screens.filter_candidates`
    (``call``: "called" or "all"; ``default_call`` when the query has none: the browse page
    opens on the calls, the JSON API returns every candidate)."""
    q = request.query_params
    order = q.get("order", "desc")
    if order not in ("asc", "desc"):
        raise NesscanError(f"order must be 'asc' or 'desc', not {order!r}")
    call = q.get("call", default_call)
    if call not in ("called", "all"):
        raise NesscanError(f"call must be 'called' or 'all', not {call!r}")
    return dict(text=q.get("q", "").strip(), nes_class=q.get("class", ""), status=q.get("status", ""), call=call,
                max_q=number(q.get("max_q"), "max_q"), min_score=number(q.get("min_score"), "min_score"),
                sort=q.get("sort", "score"), descending=order == "desc")


def protein_data(request: Request, accession: str) -> tuple[Screen, dict]:
    """A screened protein: its candidates, proteins.csv row, window scores and known NES."""
    scr = screen(request)
    table = scr.candidates()
    cands = table[table["accession"].astype(str) == accession]
    windows = scr.window_scores(accession)
    info = _protein_row(scr, accession)
    if not len(cands) and not len(windows) and info is None:
        raise HTTPException(404, f"{accession} is not in screen {scr.name}")
    model = state(request).model
    sequence = scr.sequence(accession)
    window = model.window
    scores = windows["score"].to_numpy(float)
    if info and info.get("length"):
        length = int(info["length"])
    elif sequence:
        length = len(sequence)
    else:
        length = int(windows["end"].max()) if len(windows) else 0
    known = model.known_nes[model.known_nes.accession == accession]
    known = [{"start": int(a), "end": int(b), "nes_ids": str(i)}
             for a, b, i in zip(known.start_1b, known.end_1b, known.nes_ids)]
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in cands.sort_values("start").drop(columns=["status"], errors="ignore").to_dict("records")]
    return scr, dict(accession=accession, length=length, sequence=sequence, info=info, candidates=rows,
                     known=known, window_scores=scores, window=window,
                     track=pred.residue_track(scores, window) if len(scores) else np.zeros(0))


def _protein_row(screen: Screen, accession: str) -> dict | None:
    path = screen.path / "proteins.csv"
    if not path.is_file():
        return None
    df = _read_proteins(str(path), path.stat().st_mtime_ns)
    hit = df[df["accession"].astype(str) == accession]
    if not len(hit):
        return None
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in hit.iloc[0].items()}


@lru_cache(maxsize=8)
def _read_proteins(path: str, mtime: int) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])
