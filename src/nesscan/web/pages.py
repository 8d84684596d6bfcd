"""HTML page handlers of :mod:`nesscan.web.app`: read the request, call the library, render a template.

``/`` (predict), ``/browse`` (a screen's candidates), ``/protein/{accession}`` (a screened
protein's track) and ``/api`` (the API's documentation). The CSV downloads and the JSON
API are in :mod:`nesscan.web.api`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from nesscan.version import __version__
from nesscan.errors import NesscanError
from nesscan.web import common
from nesscan.web import mutate as wm
from nesscan.web import predict as pred
from nesscan.web.common import State
from nesscan.web.screens import filter_candidates
from nesscan.web.track import order_svg, sequence_segments, track_svg

LABELS = {"entry_name": "entry", "q_value": "window q-value", "call_q_value": "call q-value",
          "call_score": "call score", "call_p_value": "call p-value", "q_value_shuffle": "q (shuffle)", "q_value_natural": "q (natural)", "nes_class": "class", "known_nes": "known / novel",
          "start": "start", "end": "end", "rsa_window": "RSA", "plddt_window": "pLDDT",
          "structure_score": "structure score", "combined_score": "combined score",
          "structure_status": "structure status", "structure_explanation": "structure note",
          "cargo_probability": "cargo probability", "protein_score": "protein score"}
#: Column tooltips of the browse table.
TITLES = {"call": "called: the call score has an estimated FDR of at most 10% against both nulls",
          "call_q_value": "estimated FDR of the call, the larger of its q-values against the two nulls",
          "call_p_value": "the call score against the two reference nulls alone (the larger p-value): "
                          "the same whatever else is pasted",
          "call_score": "window score x cargo probability (0 for a protein the compartment gate sets aside)",
          "q_value_shuffle": "q-value of the call score against shuffled decoys",
          "q_value_natural": "q-value of the call score against natural proteins that cannot use an NES",
          "q_value": "the window score alone against the screen's own shuffled decoys",
          "cargo_probability": "P(CRM1 exports this protein), from the whole protein: the protein's, not the window's",
          "protein_score": "the cargo probability combined with the window evidence: the protein ranking"}
#: A protein with a known NES, for the "example" button: PKI-alpha (NESdb NES ID 5, residues 36-50).
EXAMPLE = (">sp|P61925|IPKA_HUMAN cAMP-dependent protein kinase inhibitor alpha OS=Homo sapiens GN=PKIA\n"
           "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES")


@lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
                      autoescape=select_autoescape(["html"]))
    env.globals.update(version=__version__, label=lambda c: LABELS.get(c, c.replace("_", " ")), fmt=_fmt,
                       title=lambda c: TITLES.get(c, ""))
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
        return f"{value:.2g}" if column.endswith(("q_value", "p_value")) else f"{value:.3f}"
    return str(value)


def _protein_view(p: pred.Prediction, window: int = 22, mutation: dict | None = None) -> dict:
    prot = p.protein
    mutation = mutation or {}
    after = mutation.get("result", {}).get("residue_scores_after")
    scan_at = wm.default_scan_range(p, window)
    return dict(mutation=mutation, scan_default=f"{scan_at[0]}-{scan_at[1]}" if scan_at else "",
                effect=wm.effect_summary(mutation["result"]["variant"]) if mutation.get("result") else [],
                importance_svg=(wm.saturation_svg if mutation.get("action") == "saturation" else wm.importance_svg)(
                    mutation["scan"], f"{mutation.get('action')} scan of {prot.accession} {mutation['scan_range']}")
                if mutation.get("scan") is not None else "",
                importance=_strongest(mutation["scan"], mutation.get("action") == "saturation")
                if mutation.get("scan") is not None else [],
                mutant_svg=track_svg(p.track, len(prot.sequence), p.candidates, p.known, p.threshold,
                                     f"NES score along {prot.accession} and its mutant", np.asarray(after))
                if after is not None else "",
                accession=prot.accession, entry_name=prot.entry_name, gene=prot.gene,
                description=prot.description, length=len(prot.sequence), status=p.status,
                sequence=prot.sequence, max_score=float(p.scores.max()) if len(p.scores) else None,
                cargo_probability=p.cargo_probability, protein_score=p.protein_score, where=p.where,
                svg=track_svg(p.track, len(prot.sequence), p.candidates, p.known, p.threshold,
                              f"NES score along {prot.accession}"),
                track=[round(float(v), 4) for v in p.track], candidates=p.candidates, known=p.known,
                lines=sequence_segments(prot.sequence, p.candidates, p.known),
                plddt=[round(float(v), 1) for v in p.plddt], disorder=[round(float(v), 3) for v in p.disorder],
                order_svg=order_svg(p.plddt, p.disorder, len(prot.sequence),
                                    f"predicted pLDDT and disorder along {prot.accession}") if len(p.plddt) else "")


# ----------------------------------------------------------------------------- predict page


async def predict_page(request: Request) -> Response:
    """``GET /``: the form; ``POST /``: the form with the results, or with the error above it."""
    state = common.state(request)
    context = dict(page="predict", text="", threshold="", proteins=None, error=None, example=EXAMPLE,
                   model=state.model, model_label=_model_label(state), limits=common.limits(state))
    if request.method in ("GET", "HEAD"):
        return HTMLResponse(render("predict.html", **context))
    try:
        form = await request.form()
        text, threshold = str(form.get("sequence", "")), str(form.get("threshold", ""))
        context.update(text=text, threshold=threshold)
        predictions = await common.predict(request, text, common.number(threshold, "threshold"))
    except HTTPException as exc:  # a body over the limit
        context["error"] = exc.detail
        return HTMLResponse(render("predict.html", **context), status_code=exc.status_code)
    except NesscanError as exc:
        context["error"] = str(exc)
        status = 413 if isinstance(exc, pred.TooLarge) else 422
        return HTMLResponse(render("predict.html", **context), status_code=status)
    mutation, status = await _mutation(request, form, predictions, state)
    context["proteins"] = [_protein_view(p, state.model.window, mutation if mutation.get("accession") ==
                                        p.protein.accession else None) for p in predictions]
    context["used_threshold"] = predictions[0].threshold
    return HTMLResponse(render("predict.html", **context), status_code=status)


async def _mutation(request: Request, form: Any, predictions: list[pred.Prediction], state: State
                    ) -> tuple[dict, int]:
    """The mutation box's request (``mutate`` names the protein, ``action`` is ``variant`` or
    ``scan``) scored: ``({"accession", "variant", "scan_range", "result" | "scan" | "error"}, status)``;
    ``({}, 200)`` when the form carries none."""
    accession = str(form.get("mutate", "") or "")
    if not accession:
        return {}, 200
    action = str(form.get("action", "variant"))
    out = {"accession": accession, "variant": str(form.get("variant", "")).strip(),
           "scan_range": str(form.get("scan_range", "")).strip(), "action": action}
    match = [p for p in predictions if p.protein.accession == accession]
    try:
        if not match:
            raise NesscanError(f"{accession}: no such protein in the pasted text")
        p = match[0]
        if action in ("scan", "saturation"):
            start, end, out["scan"] = await common.in_thread(wm.scan, p, out["scan_range"], state.model,
                                                             action == "saturation")
            out["scan_range"] = f"{start}-{end}"
        else:
            out["result"] = await common.in_thread(wm.mutate, p.protein, out["variant"], state.model, p.threshold)
    except NesscanError as exc:
        out["error"] = str(exc)
        return out, 422
    return out, 200


def _strongest(table, saturation: bool) -> list[dict]:
    """The scan's rows by effect: every row of an alanine scan; of a saturation scan the 10
    substitutions that weaken the window most and the 5 that strengthen it most."""
    rows = table.sort_values("delta")
    if saturation:
        rows = pd.concat([rows.head(10), rows[rows.delta > 0].tail(5)])
    return rows.to_dict("records")


def predict_error_html(state: State, message: str) -> str:
    """The empty predict page with ``message`` above the form (a body refused before parsing)."""
    return render("predict.html", page="predict", text="", threshold="", proteins=None, error=message,
                  example=EXAMPLE, model=state.model, model_label=_model_label(state), limits=common.limits(state))


def _model_label(state: State) -> str:
    """The served model in one line (e.g. ``ensemble ... on 65 window features``)."""
    from nesscan.report.model_text import model_label

    return model_label(state.model.config.to_json())


# ----------------------------------------------------------------------------- browse pages


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise NesscanError(f"page must be a whole number from 1, not {raw!r}")
    return int(raw)


async def browse_page(request: Request) -> Response:
    state = common.state(request)
    if not state.screens:
        return HTMLResponse(render("browse.html", page="browse", screen=None, screens={}))
    screen = common.screen(request)
    filters = common.filters(request, default_call="called")
    table = screen.candidates()
    rows = filter_candidates(table, **filters)
    page = _page_number(request)
    pages = max(1, math.ceil(len(rows) / state.page_rows))
    shown = rows.iloc[(page - 1) * state.page_rows:page * state.page_rows]
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    params["screen"] = screen.name
    if "call" in table.columns:
        params["call"] = filters["call"]  # sort links and the CSV download keep what the page shows

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


async def protein_page(request: Request) -> Response:
    accession = request.path_params["accession"]
    screen, data = await common.in_thread(common.protein_data, request, accession)  # reads parquet and FASTA
    threshold = common.state(request).model.threshold
    svg = track_svg(data["track"], data["length"], data["candidates"], data["known"], threshold,
                    f"NES score along {accession}")
    lines = sequence_segments(data["sequence"], data["candidates"], data["known"]) if data["sequence"] else []
    columns = [c for c in screen.columns() if c not in ("accession", "gene", "entry_name")]
    return HTMLResponse(render("protein.html", page="browse", screen=screen, data=data, svg=svg, lines=lines,
                               columns=columns, track=[round(float(v), 4) for v in data["track"]],
                               example=data["sequence"]))


# ----------------------------------------------------------------------------- API documentation


async def api_page(request: Request) -> Response:
    state = common.state(request)
    return HTMLResponse(render("api.html", page="api", limits=common.limits(state), model=state.model))
