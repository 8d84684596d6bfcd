"""``nesscan mutate --design ACCESSION:START-END``: an NES-dead mutant of a called NES, its
matched control and the alanine scan of the NES (:func:`nesscan.design.design_dead_mutant`).

Writes into the output folder ``design.csv`` (one row per mutant), ``mutants.fasta`` and
``importance.csv`` (:mod:`nesscan.design`; columns in the outputs reference).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from nesscan.errors import NesscanError

DESIGN_EXAMPLE = "  nesscan mutate p53.fasta --design P04637:336-357 -o p53_design/"
OUTPUTS = ("design.csv", "mutants.fasta", "importance.csv")
"""The files ``--design`` writes into the output folder."""
_SPEC = re.compile(r"^(?P<accession>[^:\s]+):(?P<start>\d+)-(?P<end>\d+)$")


def add_design_arguments(parser: argparse.ArgumentParser, group=None) -> None:
    """``--design`` (into ``group``, the mutually exclusive one with ``--variants``, when given),
    ``--residue``, ``--max-substitutions``, ``--max-cargo-change``."""
    (group or parser).add_argument("--design", metavar="ACCESSION:START-END",
                        help="design the fewest substitutions that take this called NES below the call (residues "
                             "1-based inclusive, e.g. P04637:336-357, the window `nesscan predict` prints), with a "
                             "control mutant that keeps it; writes design.csv, mutants.fasta and importance.csv")
    parser.add_argument("--residue", default="A",
                        help="--design: the residue the hydrophobic anchors are changed to (default: A)")
    parser.add_argument("--max-substitutions", type=int, default=3, metavar="N",
                        help="--design: the most substitutions a design may have (default: 3)")
    parser.add_argument("--max-cargo-change", type=float, default=0.05, metavar="P",
                        help="--design: the most a design or control may move the protein's cargo probability "
                             "(absolute, 0-1; default: 0.05)")


def parse_design(spec: str) -> tuple[str, int, int]:
    """``ACCESSION:START-END`` -> (accession, start, end).

    Raises
    ------
    NesscanError
        Anything else.

    >>> parse_design("P04637:336-357")
    ('P04637', 336, 357)
    """
    m = _SPEC.match(spec.strip())
    if m is None or int(m["start"]) < 1 or int(m["start"]) > int(m["end"]):
        raise NesscanError(f"--design {spec!r}: give ACCESSION:START-END with 1 <= START <= END "
                           "(1-based inclusive residues, e.g. P04637:336-357)")
    return m["accession"], int(m["start"]), int(m["end"])


def find_protein(fasta: str, accession: str):
    """The protein of ``fasta`` whose accession or entry name is ``accession``.

    Raises
    ------
    NesscanError
        A missing file or no such protein.
    """
    from nesscan.io.fasta import iter_fasta, require_file

    require_file(fasta)
    for p in iter_fasta(fasta):
        if accession in (p.accession, p.entry_name):
            return p
    raise NesscanError(f"{accession}: not found in {fasta} (the --design accession must be a protein of FASTA)")


def claim_outputs(out: Path, overwrite: bool) -> None:
    """Make the output folder; refuse to replace earlier outputs without ``overwrite``."""
    if not overwrite and (present := [f for f in OUTPUTS if (out / f).exists()]):
        raise NesscanError(f"{out / present[0]} exists (pass --overwrite to replace the earlier design)")
    out.mkdir(parents=True, exist_ok=True)


def run_design(args: argparse.Namespace) -> int:
    """``nesscan mutate FASTA --design ACC:START-END -o OUT``."""
    from nesscan.atomic import write_text
    from nesscan.cli.common import Reporter, runtime
    from nesscan.design import design_dead_mutant, design_frame, mutants_fasta

    accession, start, end = parse_design(args.design)
    out = Path(args.output)
    protein = find_protein(args.fasta, accession)
    from nesscan.api import load_model
    from nesscan.design.rescore import check_target

    rt = runtime(args)
    model = load_model(getattr(args, "model", None), device=rt.device, precision=rt.precision,
                       cache_dir=rt.cache_dir, weights=rt.weights)
    check_target(protein.sequence, start, end, model.window)  # before the folder is made
    claim_outputs(out, args.overwrite)
    design = design_dead_mutant(protein, start, end, model, args.residue, max_substitutions=args.max_substitutions,
                                max_cargo_change=args.max_cargo_change)
    write_text(out / "design.csv", design_frame(design).to_csv(index=False, float_format="%.6g"))
    write_text(out / "mutants.fasta", mutants_fasta(design))
    write_text(out / "importance.csv", design.importance.to_csv(index=False, float_format="%.6g"))
    Reporter().log(summary(design) + f" -> {out}/")
    return 0


def summary(design) -> str:
    """One line: the target's call, the design and the control (or why either is missing)."""
    wt = design.wild_type
    head = (f"{design.protein.accession}:{design.start}-{design.end} called (window score {wt.window_score:.3f}, "
            f"q {wt.target_q_value:.3g})")
    parts = []
    if design.designed is not None:
        m = design.designed
        parts.append(f"design {m.hgvs}: window score {m.mutant.window_score:.3f}, {m.mutant.target_call}, "
                     f"no new call, cargo probability {m.cargo_change:+.3f}")
    if design.control is not None:
        parts.append(f"control {design.control.hgvs} keeps the call (q {design.control.mutant.target_q_value:.3g})")
    if design.note:
        parts.append(design.note)
    return head + "; " + "; ".join(parts)
