"""Request handlers of :mod:`nesscan.web.app`: read the request, call the library, render.

Predictions run in worker threads (at most ``State.limiter`` at once), so the event loop
keeps answering while the CPU works.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from nesscan import __version__
from nesscan.errors import NesscanError
from nesscan.web import predict as pred
from nesscan.web.screens import Screen, filter_candidates
from nesscan.web.track import sequence_segments, track_svg

#: Rows a ``GET /api/candidates`` call returns at most.
MAX_API_ROWS = 1000
LABELS = {"entry_name": "entry", "q_value": "q-value", "nes_class": "class", "known_nes": "known / novel",
          "start": "start", "end": "end", "rsa_window": "RSA", "plddt_window": "pLDDT",
          "structure_score": "structure score", "combined_score": "combined score",
          "structure_status": "structure status", "structure_explanation": "structure note"}
#: A protein with a known NES, for the "example" button: PKI-alpha (NESdb NES ID 5, residues 36-50).
EXAMPLE = (">sp|P61925|IPKA_HUMAN cAMP-dependent protein kinase inhibitor alpha OS=Homo sapiens GN=PKIA\n"
           "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES")


@dataclass
class State:
    """What the handlers share: the model, loaded once, and the screens."""

    model: Any  # nesscan.predictor.Predictor
    screens: dict[str, Screen]
    limiter: Any  # anyio.CapacityLimiter: predictions at once
    page_rows: int
    max_body_bytes: int


@lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
                      autoescape=select_autoescape(["html"]))
    env.globals.update(version=__version__, label=lambda c: LABELS.get(c, c.replace("_", " ")), fmt=_fmt)
    return env


def render(name: str, **context: Any) -> str:
    """A page from ``templates/``."""
    return _templates().get_template(name).render(**context)


def render_error(status: int, message: str) -> str:
    return render("error.html", status=status, message=message, page="")


def _fmt(value: Any, column: str = "") -> str:
    """A table cell as text: scores to 3 decimals, q-values to 2 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "known" if value else "novel"
    if isinstance(value, (float, np.floating)):
        return f"{value:.2g}" if column == "q_value" else f"{value:.3f}"
    return str(value)


def _state(request: Request) -> State:
    return request.app.state.nesscan


def _number(value: str | None, name: str, low: float = 0.0, high: float = 1.0) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        out = float(value)
    except ValueError:
        raise NesscanError(f"{name} must be a number between {low:g} and {high:g}, not {value!r}") from None
    if not low <= out <= high or math.isnan(out):
        raise NesscanError(f"{name} must be between {low:g} and {high:g}, not {value}")
    return out


async def _predict(request: Request, text: str, threshold: float | None) -> list[pred.Prediction]:
    import anyio

    state = _state(request)
    return await anyio.to_thread.run_sync(pred.predict, text, state.model, threshold,
                                          limiter=state.limiter)


def _protein_view(p: pred.Prediction) -> dict:
    prot = p.protein
    return dict(accession=prot.accession, entry_name=prot.entry_name, gene=prot.gene,
                description=prot.description, length=len(prot.sequence), status=p.status,
                sequence=prot.sequence, max_score=float(p.scores.max()) if len(p.scores) else None,
                svg=track_svg(p.track, len(prot.sequence), p.candidates, p.known, p.threshold,
                              f"NES score along {prot.accession}"),
                track=[round(float(v), 4) for v in p.track], candidates=p.candidates, known=p.known,
                lines=sequence_segments(prot.sequence, p.candidates, p.known))


# ----------------------------------------------------------------------------- predict page


async def predict_page(request: Request) -> Response:
    """``GET /``: the form; ``POST /``: the form with the results, or with the error above it."""
    state = _state(request)
    context = dict(page="predict", text="", threshold="", proteins=None, error=None, example=EXAMPLE,
                   model=state.model, limits=_limits(state))
    if request.method == "GET":
        return HTMLResponse(render("predict.html", **context))
    try:
        form = await request.form()
        text, threshold = str(form.get("sequence", "")), str(form.get("threshold", ""))
        context.update(text=text, threshold=threshold)
        predictions = await _predict(request, text, _number(threshold, "threshold"))
    except HTTPException as exc:  # a body over the limit
        context["error"] = exc.detail
        return HTMLResponse(render("predict.html", **context), status_code=exc.status_code)
    except NesscanError as exc:
        context["error"] = str(exc)
        status = 413 if isinstance(exc, pred.TooLarge) else 422
        return HTMLResponse(render("predict.html", **context), status_code=status)
    context["proteins"] = [_protein_view(p) for p in predictions]
    context["used_threshold"] = predictions[0].threshold
    return HTMLResponse(render("predict.html", **context))


def predict_error_html(state: State, message: str) -> str:
    """The empty predict page with ``message`` above the form (a body refused before parsing)."""
    return render("predict.html", page="predict", text="", threshold="", proteins=None, error=message,
                  example=EXAMPLE, model=state.model, limits=_limits(state))


async def predict_csv(request: Request) -> Response:
    form = await request.form()
    table = str(form.get("table", "candidates"))
    predictions = await _predict(request, str(form.get("sequence", "")),
                                 _number(str(form.get("threshold", "")), "threshold"))
    return _table_csv(predictions, table)


def _table_csv(predictions: list[pred.Prediction], table: str) -> Response:
    if table == "residues":
        return to_csv(pred.residues_frame(predictions), "nesscan_residues.csv")
    if table != "candidates":
        raise NesscanError(f"table must be 'candidates' or 'residues', not {table!r}")
    return to_csv(pred.candidates_frame(predictions), "nesscan_candidates.csv")


def to_csv(frame: pd.DataFrame, filename: str) -> Response:
    """A table as a CSV download."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.6g")
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _limits(state: State) -> dict:
    return {"max_sequence_length": pred.MAX_SEQUENCE_LENGTH, "max_records": pred.MAX_RECORDS,
            "max_total_residues": pred.MAX_TOTAL_RESIDUES, "max_body_bytes": state.max_body_bytes}


# ----------------------------------------------------------------------------- browse pages


def _screen(request: Request) -> Screen:
    screens = _state(request).screens
    if not screens:
        raise HTTPException(404, "no screen loaded: start the server with nesscan serve --screen DIR")
    name = request.query_params.get("screen") or next(iter(screens))
    if name not in screens:
        raise HTTPException(404, f"no screen named {name!r} (screens: {', '.join(screens)})")
    return screens[name]


def _filters(request: Request) -> dict:
    q = request.query_params
    order = q.get("order", "desc")
    if order not in ("asc", "desc"):
        raise NesscanError(f"order must be 'asc' or 'desc', not {order!r}")
    return dict(text=q.get("q", "").strip(), nes_class=q.get("class", ""), status=q.get("status", ""),
                max_q=_number(q.get("max_q"), "max_q"), min_score=_number(q.get("min_score"), "min_score"),
                sort=q.get("sort", "score"), descending=order == "desc")


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise NesscanError(f"page must be a whole number from 1, not {raw!r}")
    return int(raw)


async def browse_page(request: Request) -> Response:
    state = _state(request)
    if not state.screens:
        return HTMLResponse(render("browse.html", page="browse", screen=None, screens={}))
    screen = _screen(request)
    filters = _filters(request)
    table = screen.candidates()
    rows = filter_candidates(table, **filters)
    page = _page_number(request)
    pages = max(1, math.ceil(len(rows) / state.page_rows))
    shown = rows.iloc[(page - 1) * state.page_rows:page * state.page_rows]
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    params["screen"] = screen.name

    def link(**changes: Any) -> str:
        return "?" + urlencode({**params, **changes})

    sort = filters["sort"] if filters["sort"] in table.columns else "score"
    order = "desc" if filters["descending"] else "asc"
    # a column's link sorts it high to low first; the sorted column's link flips its order
    sort_links = {c: link(sort=c, order="asc" if (c == sort and order == "desc") else "desc") for c in table.columns}
    classes = sorted(table["nes_class"].unique()) if "nes_class" in table.columns else []
    return HTMLResponse(render(
        "browse.html", page="browse", screen=screen, screens=state.screens, columns=screen.columns(),
        rows=shown.to_dict("records"), total=len(table), matching=len(rows), page_no=page, pages=pages,
        prev_link=link(page=page - 1) if page > 1 else None, next_link=link(page=page + 1) if page < pages else None,
        sort=sort, order=order, sort_links=sort_links, classes=classes, q=request.query_params,
        csv_link="/browse.csv" + link()))


async def browse_csv(request: Request) -> Response:
    screen = _screen(request)
    rows = filter_candidates(screen.candidates(), **_filters(request)).drop(columns=["status"], errors="ignore")
    return to_csv(rows, f"{screen.name}_{screen.table.stem}.csv")


async def _in_thread(func: Any, *args: Any) -> Any:
    import anyio

    return await anyio.to_thread.run_sync(func, *args)


def _protein_data(request: Request, accession: str) -> tuple[Screen, dict]:
    screen = _screen(request)
    table = screen.candidates()
    cands = table[table["accession"].astype(str) == accession]
    windows = screen.window_scores(accession)
    info = _protein_row(screen, accession)
    if not len(cands) and not len(windows) and info is None:
        raise HTTPException(404, f"{accession} is not in screen {screen.name}")
    model = _state(request).model
    sequence = screen.sequence(accession)
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
    return screen, dict(accession=accession, length=length, sequence=sequence, info=info, candidates=rows,
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


async def protein_page(request: Request) -> Response:
    accession = request.path_params["accession"]
    screen, data = await _in_thread(_protein_data, request, accession)  # reads parquet and FASTA
    threshold = _state(request).model.threshold
    svg = track_svg(data["track"], data["length"], data["candidates"], data["known"], threshold,
                    f"NES score along {accession}")
    lines = sequence_segments(data["sequence"], data["candidates"], data["known"]) if data["sequence"] else []
    columns = [c for c in screen.columns() if c not in ("accession", "gene", "entry_name")]
    return HTMLResponse(render("protein.html", page="browse", screen=screen, data=data, svg=svg, lines=lines,
                               columns=columns, track=[round(float(v), 4) for v in data["track"]],
                               example=data["sequence"]))


# ----------------------------------------------------------------------------- JSON API


async def api_page(request: Request) -> Response:
    state = _state(request)
    return HTMLResponse(render("api.html", page="api", limits=_limits(state), model=state.model))


async def api_health(request: Request) -> Response:
    state = _state(request)
    return JSONResponse({"status": "ok", "version": __version__, "model": _model_info(state),
                         "screens": list(state.screens), "limits": _limits(state)})


def _model_info(state: State) -> dict:
    m = state.model
    return {"path": str(m.path), "embedder": m.config.embedder.get("name"), "window": m.window,
            "threshold": m.threshold}


async def api_predict(request: Request) -> Response:
    import json

    body = (await request.body()).decode("utf-8", errors="replace")
    threshold = None
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            return JSONResponse({"error": f"request body is not valid JSON ({exc})"}, status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("sequence"), str):
            return JSONResponse({"error": 'request JSON must be an object with a "sequence" string '
                                          '(a protein sequence or FASTA records)'}, status_code=400)
        text = data["sequence"]
        raw = data.get("threshold")
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, (int, float))):
            raise NesscanError(f"threshold must be a number between 0 and 1, not {raw!r}")
        threshold = _number(None if raw is None else str(raw), "threshold")
    else:  # text/plain: the FASTA itself
        text = body
    fmt = request.query_params.get("format", "json")
    predictions = await _predict(request, text, threshold)
    if fmt == "csv":
        return _table_csv(predictions, request.query_params.get("table", "candidates"))
    if fmt != "json":
        raise NesscanError(f"format must be 'json' or 'csv', not {fmt!r}")
    state = _state(request)
    return JSONResponse({"model": _model_info(state), "threshold": predictions[0].threshold,
                         "proteins": [_prediction_json(p) for p in predictions]})


def _clean(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating, float)):
            v = None if math.isnan(v) else float(v)
        elif isinstance(v, np.bool_):
            v = bool(v)
        out[k] = v
    return out


def _prediction_json(p: pred.Prediction) -> dict:
    prot = p.protein
    return {"accession": prot.accession, "entry_name": prot.entry_name, "gene": prot.gene,
            "description": prot.description, "length": len(prot.sequence), "status": p.status,
            "max_score": float(p.scores.max()) if len(p.scores) else None,
            "candidates": [_clean(c) for c in p.candidates], "known_nes": p.known,
            "window_scores": [round(float(v), 6) for v in p.scores],
            "residue_scores": [round(float(v), 6) for v in p.track]}


async def api_screens(request: Request) -> Response:
    return JSONResponse([{"name": s.name, "path": str(s.path), "table": s.table.name,
                          "candidates": len(s.candidates()), "columns": s.columns()}
                         for s in _state(request).screens.values()])


async def api_candidates(request: Request) -> Response:
    screen = _screen(request)
    rows = filter_candidates(screen.candidates(), **_filters(request)).drop(columns=["status"], errors="ignore")
    q = request.query_params
    for name in ("limit", "offset"):
        if not q.get(name, "0").isdigit():
            raise NesscanError(f"{name} must be a whole number, not {q.get(name)!r}")
    limit, offset = min(int(q.get("limit", 100)), MAX_API_ROWS), int(q.get("offset", 0))
    return JSONResponse({"screen": screen.name, "table": screen.table.name, "total": len(rows),
                         "offset": offset, "limit": limit, "columns": list(rows.columns),
                         "rows": [_clean(r) for r in rows.iloc[offset:offset + limit].to_dict("records")]})


async def api_protein(request: Request) -> Response:
    accession = request.path_params["accession"]
    screen, data = await _in_thread(_protein_data, request, accession)  # reads parquet and FASTA
    return JSONResponse({"screen": screen.name, "accession": accession, "length": data["length"],
                         "window": data["window"], "sequence": data["sequence"],
                         "protein": _clean(data["info"]) if data["info"] else None,
                         "candidates": [_clean(c) for c in data["candidates"]], "known_nes": data["known"],
                         "window_scores": [round(float(v), 6) for v in data["window_scores"]]})
