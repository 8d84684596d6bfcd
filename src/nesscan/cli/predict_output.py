"""What ``nesscan predict`` writes: a table for people, or CSV / JSON for programs."""

from __future__ import annotations

import json
import sys
from typing import Any

from nesscan.screen.few_proteins import Prediction

#: candidate columns of the terminal table: (column, heading)
TABLE = [("start", "window"), ("sequence", "sequence"), ("score", "score"), ("nes_class", "class"),
         ("anchors", "anchors"), ("call", "call"), ("call_q_value", "q"), ("call_p_value", "p"),
         ("known_nes", "known")]


def write_predictions(results: list[Prediction], model: Any, fmt: str, output: str | None) -> None:
    """Write ``results`` as ``fmt`` ("table", "csv" or "json") to ``output`` (a file, written
    whole or not at all) or standard output."""
    from nesscan.api import candidates_frame
    from nesscan.screen.few_proteins import model_info

    if fmt == "csv":
        text = candidates_frame(results).to_csv(index=False, float_format="%.6g")
    elif fmt == "json":
        text = json.dumps({"model": model_info(model), "threshold": results[0].threshold if results else None,
                           "proteins": [r.to_json() for r in results]}, indent=1, ensure_ascii=False) + "\n"
    else:
        text = table_text(results)
    if output is None:
        sys.stdout.write(text)
    else:
        from nesscan.atomic import write_text

        write_text(output, text)


def table_text(results: list[Prediction]) -> str:
    """The terminal table: a line per protein (where it lives, cargo probability, protein
    call), then its candidates, each with its explanation underneath.

    >>> import numpy as np
    >>> from nesscan.records import Protein
    >>> print(table_text([Prediction(Protein("P1", "MKV"), np.zeros(0), np.zeros(0))]), end="")
    P1  3 aa  shorter than the window: not scored
    <BLANKLINE>
    """
    lines = []
    for r in results:
        p = r.protein
        name = " ".join(x for x in (p.accession, p.entry_name, p.gene and f"({p.gene})") if x)
        if r.status != "ok":
            lines += [f"{name}  {len(p.sequence)} aa  shorter than the window: not scored", ""]
            continue
        w = r.where
        level = "" if r.cargo_probability is None else (
            f"  cargo probability {r.cargo_probability:.2f}  protein {w.get('call_status', '')}"
            + ("" if w.get("cargo_p_value") is None else f" (p {w['cargo_p_value']:.2g})"))
        lines.append(f"{name}  {len(p.sequence)} aa  {w.get('compartment', '')}{level}")
        if not r.candidates:
            lines += [f"  no window at or above the threshold {r.threshold:.3f}", ""]
            continue
        rows = [[h for _, h in TABLE]] + [[_cell(c, col) for col, _ in TABLE] for c in r.candidates]
        widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE))]
        for k, row in enumerate(rows):
            lines.append("  " + "  ".join(v.ljust(wd) for v, wd in zip(row, widths)).rstrip())
            if k:
                lines.append("      " + str(r.candidates[k - 1].get("explanation", "")))
        lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(c: dict, col: str) -> str:
    v = c.get(col)
    if col == "start":
        return f"{c['start']}-{c['end']}"
    if col == "known_nes":
        return (c.get("known_nes_ids", "") + (f" via {c['known_nes_via']}"
                                             if c.get("known_nes_via", "") not in ("", "same accession") else "")
                ) if v else "novel"
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.2g}" if col.endswith("value") else f"{v:.3f}"
    return str(v)
