"""JSON API and CSV download handlers of :mod:`nesscan.web.app`.

JSON: ``GET /api/health``, ``POST /api/predict``, ``POST /api/mutate``, ``GET /api/screens``,
``GET /api/candidates``, ``GET /api/protein/{accession}``. CSV: ``POST /predict.csv``
(the predict form's tables), ``GET /browse.csv`` (the browse page's rows) and
``POST /api/predict?format=csv``. Coordinates in every response are 1-based inclusive
residue numbers (the rule in :mod:`nesscan.records`).
"""

from __future__ import annotations

import io
import json

import pandas as pd
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nesscan.version import __version__
from nesscan.errors import NesscanError
from nesscan.web import common
from nesscan.web import predict as pred
from nesscan.web.common import State
from nesscan.web.screens import filter_candidates
from nesscan.screen.few_proteins import json_row, model_info

#: Rows a ``GET /api/candidates`` call returns at most.
MAX_API_ROWS = 1000


# ----------------------------------------------------------------------------- CSV downloads


def to_csv(frame: pd.DataFrame, filename: str) -> Response:
    """A table as a CSV download."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.6g")
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _table_csv(predictions: list[pred.Prediction], table: str) -> Response:
    if table == "residues":
        return to_csv(pred.residues_frame(predictions), "nesscan_residues.csv")
    if table != "candidates":
        raise NesscanError(f"table must be 'candidates' or 'residues', not {table!r}")
    return to_csv(pred.candidates_frame(predictions), "nesscan_candidates.csv")


async def predict_csv(request: Request) -> Response:
    """``POST /predict.csv``: the predict form's candidates (or residues) table."""
    form = await request.form()
    table = str(form.get("table", "candidates"))
    predictions = await common.predict(request, str(form.get("sequence", "")),
                                       common.number(str(form.get("threshold", "")), "threshold"))
    return _table_csv(predictions, table)


async def browse_csv(request: Request) -> Response:
    """``GET /browse.csv``: the browse page's filtered rows, all pages."""
    screen = common.screen(request)
    rows = filter_candidates(screen.candidates(), **common.filters(request)).drop(columns=["status"], errors="ignore")
    return to_csv(rows, f"{screen.name}_{screen.table.stem}.csv")


# ----------------------------------------------------------------------------- JSON API


async def api_health(request: Request) -> Response:
    state = common.state(request)
    return JSONResponse({"status": "ok", "version": __version__, "model": model_info(state.model),
                         "screens": list(state.screens), "limits": common.limits(state)})


def _json_threshold(data: dict) -> float | None:
    """A request's ``threshold``: a number 0-1, or None when absent."""
    raw = data.get("threshold")
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, (int, float))):
        raise NesscanError(f"threshold must be a number between 0 and 1, not {raw!r}")
    return common.number(None if raw is None else str(raw), "threshold")


async def api_predict(request: Request) -> Response:
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
        threshold = _json_threshold(data)
    else:  # text/plain: the FASTA itself
        text = body
    fmt = request.query_params.get("format", "json")
    predictions = await common.predict(request, text, threshold)
    if fmt == "csv":
        return _table_csv(predictions, request.query_params.get("table", "candidates"))
    if fmt != "json":
        raise NesscanError(f"format must be 'json' or 'csv', not {fmt!r}")
    state = common.state(request)
    return JSONResponse({"model": model_info(state.model), "threshold": predictions[0].threshold,
                         "proteins": [p.to_json() for p in predictions]})


async def api_mutate(request: Request) -> Response:
    """``POST /api/mutate``: a JSON object with ``sequence`` (a protein or FASTA records),
    ``variant`` (HGVS p.) and/or ``scan`` (``"START-END"``, or ``true`` for the best candidate;
    ``"saturation": true`` for every residue at each position instead of alanine),
    optional ``accession`` (default: the first record) and ``threshold``. Answers the model, the
    wild type's prediction, the variant's ``variants.csv`` row with the mutant's residue scores,
    and the scan's rows (:mod:`nesscan.web.mutate`); a variant that cannot be applied is HTTP 422
    with its one-line ``error``."""
    from nesscan.web import mutate as wm

    try:
        data = json.loads((await request.body()).decode("utf-8", errors="replace"))
    except ValueError as exc:
        return JSONResponse({"error": f"request body is not valid JSON ({exc})"}, status_code=400)
    if (not isinstance(data, dict) or not isinstance(data.get("sequence"), str)
            or not isinstance(data.get("variant", ""), str) or not (data.get("variant") or data.get("scan"))):
        return JSONResponse({"error": 'request JSON must be an object with a "sequence" string and a "variant" '
                                      'string (HGVS p., e.g. "p.L38A") or a "scan" ("START-END" or true)'},
                            status_code=400)
    predictions = await common.predict(request, data["sequence"], _json_threshold(data))
    accession = str(data.get("accession") or predictions[0].protein.accession)
    match = [p for p in predictions if p.protein.accession == accession]
    if not match:
        raise NesscanError(f"{accession}: no such protein in the sequence text")
    p, state = match[0], common.state(request)
    out = {"model": model_info(state.model), "threshold": p.threshold, "accession": accession,
           "wild_type": p.to_json()}
    if data.get("variant"):
        out.update(await common.in_thread(wm.mutate, p.protein, data["variant"], state.model, p.threshold))
    if data.get("scan"):
        saturation = data.get("saturation") is True
        start, end, table = await common.in_thread(wm.scan, p, None if data["scan"] is True else str(data["scan"]),
                                                   state.model, saturation)
        out["scan"] = {"start": start, "end": end, "residues": wm.SATURATION_RESIDUES if saturation else "A",
                       "rows": [json_row(r) for r in table.to_dict("records")]}
    return JSONResponse(out)


async def api_screens(request: Request) -> Response:
    return JSONResponse([{"name": s.name, "path": str(s.path), "table": s.table.name,
                          "candidates": len(s.candidates()), "columns": s.columns(),
                          "stale_structure": s.stale_structure}
                         for s in common.state(request).screens.values()])


async def api_candidates(request: Request) -> Response:
    screen = common.screen(request)
    rows = filter_candidates(screen.candidates(), **common.filters(request)).drop(columns=["status"], errors="ignore")
    q = request.query_params
    for name in ("limit", "offset"):
        if not q.get(name, "0").isdigit():
            raise NesscanError(f"{name} must be a whole number, not {q.get(name)!r}")
    limit, offset = min(int(q.get("limit", 100)), MAX_API_ROWS), int(q.get("offset", 0))
    return JSONResponse({"screen": screen.name, "table": screen.table.name,
                         "stale_structure": screen.stale_structure, "total": len(rows),
                         "offset": offset, "limit": limit, "columns": list(rows.columns),
                         "rows": [json_row(r) for r in rows.iloc[offset:offset + limit].to_dict("records")]})


async def api_protein(request: Request) -> Response:
    accession = request.path_params["accession"]
    screen, data = await common.in_thread(common.protein_data, request, accession)  # reads parquet and FASTA
    return JSONResponse({"screen": screen.name, "accession": accession, "length": data["length"],
                         "window": data["window"], "sequence": data["sequence"],
                         "protein": json_row(data["info"]) if data["info"] else None,
                         "candidates": [json_row(c) for c in data["candidates"]], "known_nes": data["known"],
                         "window_scores": [round(float(v), 6) for v in data["window_scores"]]})
