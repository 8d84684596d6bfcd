"""The report's opening: per screened proteome, the headline of the window call
(:func:`nesscan.screen.calls.headline`), the two nulls side by side and the top called
candidates; the negative control's line says how many calls a proteome without CRM1 gets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nesscan.report.data import proteome_label, read_table
from nesscan.report.render import Block, Para, Table
from nesscan.report.tables import NA, _cell, fmt_num

if TYPE_CHECKING:
    from nesscan.report.data import RunData, ScreenData

MEANING = (
    "What the number means: a call is a candidate window (score at the model threshold or above) whose call score, "
    "the window score times its protein's cargo probability (0 for a protein the compartment gate sets aside), has "
    "an estimated false-discovery rate of at most 10% against both nulls: shuffled decoys (the same proteins with "
    "their residues in random order: is there motif evidence beyond composition?) and natural proteins that cannot "
    "use an NES (the E. coli proteome scored at training: is the window more NES-like than a protein that never "
    "meets CRM1?). What it does not mean: that CRM1 binds these windows. Both nulls miss false positives of their "
    "own (a shuffle destroys ordered look-alikes such as coiled-coil heptads and counts them as evidence; E. coli "
    "lacks eukaryotic composition), the known-NES share is measured on NESs the model was trained on (an upper "
    "bound of its recall), and every count is a prediction to test.")


def _null_row(label: str, entry: dict) -> tuple[str, ...]:
    lowest = entry.get("lowest_q_value")
    return (label, f"{entry.get('n_windows', 0):,}", str(entry.get("source", NA)),
            f"{entry.get('calls', 0):,}", f"{entry.get('novel_calls', 0):,}",
            f"{entry.get('proteins_with_novel_calls', 0):,}", f"{entry.get('known_nes_recovered', 0):,}",
            NA if lowest is None else f"{lowest:.3g}")


def null_table(screen: "ScreenData") -> Table:
    """Calls at FDR 10% against each null alone and against both (the default call)."""
    call = (screen.fdr or {}).get("call", {})
    rows = [_null_row(name, call.get("nulls", {}).get(name, {})) for name in ("shuffle", "natural")]
    rows.append(("both (the default call)", NA, NA, f"{call.get('calls', 0):,}", f"{call.get('novel_calls', 0):,}",
                 f"{call.get('proteins_with_novel_calls', 0):,}", f"{call.get('known_nes_recovered', 0):,}",
                 NA if call.get("lowest_call_q_value") is None else f"{call['lowest_call_q_value']:.3g}"))
    return Table(f"Window calls of {proteome_label(screen.name)} at an estimated FDR of 10%, by null "
                 f"(known NESdb NESs in the screened proteins: {call.get('known_nes_in_screen', 0):,})",
                 ("null", "null windows", "what was scored", "calls", "novel calls", "proteins with novel calls",
                  "known NESs recovered", "lowest q-value"), tuple(rows))


def top_calls(screen: "ScreenData", n: int = 10) -> Table:
    """The ``n`` best called candidates (``candidates.csv`` order: called first, lowest q; the
    windows of ``importance.csv``: :func:`nesscan.design.importance.top_called`)."""
    from nesscan.design.importance import top_called

    called = top_called(screen.candidates, n)
    structure = screen.path / "structure.csv"
    if structure.is_file():  # structure when given (``nesscan structure``), joined on the best window
        s = read_table(structure)
        if {"accession", "start", "structural_score"} <= set(s.columns):
            called = called.merge(s[["accession", "start", "structural_score"]].drop_duplicates(["accession", "start"]),
                                  on=["accession", "start"], how="left")
    where = {}
    if "compartment" in screen.proteins:
        where = dict(zip(screen.proteins.accession.astype(str), screen.proteins.compartment.astype(str)))
    structure = "structural_score" in called.columns
    header = ("rank", "accession", "gene", "window", "sequence", "class", "anchors", "score", "cargo prob.",
              "compartment", "q (shuffle)", "q (natural)", "known or novel") + (("structure",) if structure else ())
    rows = []
    for rank, (_, r) in enumerate(called.iterrows(), 1):
        known = str(r.get("known_nes", "")).lower() == "true"
        rows.append((str(rank), _cell(r, "accession"), _cell(r, "gene"), f"{_cell(r, 'start')}-{_cell(r, 'end')}",
                     _cell(r, "sequence"), _cell(r, "nes_class"), _cell(r, "anchors"), fmt_num(r.get("score")),
                     fmt_num(r.get("cargo_probability")), where.get(str(r.get("accession")), NA),
                     fmt_num(r.get("q_value_shuffle")), fmt_num(r.get("q_value_natural")),
                     "known" if known else "novel") + ((fmt_num(r.get("structural_score")),) if structure else ()))
    return Table(f"Top {len(rows)} called windows of {proteome_label(screen.name)} (window: 1-based residues; "
                 "class and anchors: Kosugi consensus; cargo prob.: the protein model's; q: estimated FDR of the "
                 "call score against each null)", header, tuple(rows), mono=("sequence",))


def headline_blocks(data: "RunData") -> list[Block]:
    """The opening blocks of a run's report (:func:`screens_headline` of its screens)."""
    return screens_headline(data.screens, data.control)


def screens_headline(screens: "list[ScreenData]", control: str | None, where: str = "in this run") -> list[Block]:
    """Per screen with a ``call`` section, its headline sentence, the null table and (targets
    only) the top called windows; then what the number means (``where``: the "No headline" line's
    words for the folder)."""
    screens = [s for s in screens if (s.fdr or {}).get("call")]
    if not screens:
        return [Para(f"No headline: no screen {where} has window calls with an error rate (fdr.json "
                     "without a 'call' section: screened with an older nesscan or without decoys and reference "
                     "nulls).")]
    out: list[Block] = []
    for s in screens:
        role = " (negative control: every call is a false positive)" if s.name == control else ""
        out.append(Para(f"{proteome_label(s.name)}{role}: {s.fdr['call']['headline']}"))
    for s in screens:
        out.append(null_table(s))
        if s.name != control:
            out.append(top_calls(s))
    out.append(Para(MEANING))
    return out
