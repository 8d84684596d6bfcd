"""Speed of ``nesscan mutate``: random missense variants over the assembled human Swiss-Prot set,
local rescoring (the windows a variant touches) against whole-protein rescoring, and the reference
pass read from a screen (``--screen``) against scoring every reference protein, in one run.

    python bench/variants_speed.py --screen /tmp/human_screen     # 10,000 variants, 2 processes
    python bench/variants_speed.py --n 2000 --subset 150 --workers 1 --screen /tmp/human_screen

With ``--screen DIR`` the end-to-end run reads the reference proteins' window scores from a
``nesscan screen`` of the set by the same model (made into DIR first when DIR has no
``windows.parquet``: about 20 minutes on 2 busy cores), and on ``--old-subset`` variants the same
process times the old path (every reference protein scored) against it: their ratio, and whether
the issue's target (10,000 variants in 2 minutes) is met at ``--n`` and ``--workers``.

Variants are drawn with a seed, uniformly over the set's residues (so long proteins get more),
each a substitution to another standard residue. Prints, on the machine's cores:

* the end-to-end time of ``score_variants`` for all of them with local rescoring, split over
  ``--workers`` processes by protein (each process scores the reference proteins its variants
  fall on once, then the variants);
* on a subset of ``--subset`` variants, in the same process and after the same reference pass,
  the time per variant of local and of whole rescoring (``method="whole"``: every window of the
  mutant) and their ratio, and how far the two disagree (the kept windows' largest score
  difference, the best window, the calls, the candidates gained and lost);
* the reference pass alone (whole-protein scoring of the proteins hit), which a variant run cannot
  avoid: every reference protein is scored whole once.

Needs the data folder (``$NESSCAN_DATA`` or ``../shared/data``).
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
HUMAN = "proteomes/human_swissprot_assembled.fasta.gz"
STANDARD = "ACDEFGHIKLMNPQRSTVWY"


def data_dir() -> Path:
    env = os.environ.get("NESSCAN_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def draw_variants(proteins, n: int, seed: int):
    """``n`` missense variants, uniform over the residues of ``proteins`` (standard residues only)."""
    from fqfa.constants import AA_CODES

    from nesscan.variants.table import VariantInput

    rng = np.random.default_rng(seed)
    lengths = np.array([len(p.sequence) for p in proteins], float)
    out = []
    while len(out) < n:
        p = proteins[int(rng.choice(len(proteins), p=lengths / lengths.sum()))]
        i = int(rng.integers(len(p.sequence)))
        ref = p.sequence[i]
        if ref not in STANDARD:
            continue
        new = str(rng.choice([a for a in STANDARD if a != ref]))
        out.append(VariantInput(len(out) + 2, p.accession, f"p.{AA_CODES[ref]}{i + 1}{AA_CODES[new]}"))
    return out


def _run(args):
    """One process: score its variants (its proteins only), local rescoring."""
    proteins, variants, screen = args
    import torch

    torch.set_num_threads(1)
    import nesscan
    from nesscan.variants.mutate import score_variants

    model = nesscan.load_model()
    started = time.perf_counter()
    result = score_variants(proteins, variants, model, method="local", screen=screen)
    return time.perf_counter() - started, result.scored, len(result.errors)


def end_to_end(proteins, variants, workers: int, screen: str | None = None) -> tuple[float, int, int]:
    """Wall time of all variants over ``workers`` processes, split by protein."""
    by_acc = {p.accession: p for p in proteins}
    parts = [[] for _ in range(workers)]
    for v in variants:
        parts[hash(v.accession) % workers].append(v)
    jobs = [([by_acc[a] for a in {v.accession for v in part}], part, screen) for part in parts if part]
    started = time.perf_counter()
    if workers == 1:
        outs = [_run(jobs[0])]
    else:
        with ProcessPoolExecutor(workers) as pool:
            outs = list(pool.map(_run, jobs))
    return time.perf_counter() - started, sum(o[1] for o in outs), sum(o[2] for o in outs)


def compare(proteins, variants, threshold: float | None = None) -> None:
    """Local against whole rescoring on the same variants, after one reference pass."""
    import nesscan
    from nesscan.variants.hgvs import apply, parse
    from nesscan.variants.mutate import score_variants
    from nesscan.variants.rescore import rescore, score_references

    model = nesscan.load_model()
    by_acc = {p.accession: p for p in proteins}
    hit = list({v.accession: by_acc[v.accession] for v in variants}.values())
    started = time.perf_counter()
    refs = score_references(model, hit)
    ref_s = time.perf_counter() - started
    residues = sum(len(p.sequence) for p in hit)
    print(f"reference pass: {len(hit)} proteins, {residues:,} residues, {ref_s:.1f} s "
          f"({ref_s / len(hit) * 1000:.0f} ms a protein)")
    mutants = [(refs[v.accession], apply(by_acc[v.accession].sequence, parse(v.variant))) for v in variants]
    timings, results = {}, {}
    for method in ("local", "whole", "local"):  # local twice: the second, warm, is timed
        started = time.perf_counter()
        results[method] = [rescore(model, r, m, method) for r, m in mutants]
        timings[method] = (time.perf_counter() - started) / len(mutants)
    print(f"rescoring a mutant: local {timings['local'] * 1000:.1f} ms, whole {timings['whole'] * 1000:.1f} ms "
          f"a variant; whole / local = {timings['whole'] / timings['local']:.2f}")
    kept = [np.abs(np.delete(lo.scores - wh.scores, np.s_[lo.first:lo.last + 1])).max(initial=0.0)
            for lo, wh in zip(results["local"], results["whole"])]
    inside = [np.abs((lo.scores - wh.scores)[lo.first:lo.last + 1]).max(initial=0.0)
              for lo, wh in zip(results["local"], results["whole"])]
    same_best = np.mean([np.argmax(lo.scores) == np.argmax(wh.scores)
                         for lo, wh in zip(results["local"], results["whole"])])
    rescored = np.mean([lo.rescored for lo in results["local"]])
    print(f"windows rescored a variant: local {rescored:.0f} of {np.mean([len(w.scores) for w in results['whole']]):.0f}; "
          f"score difference inside them {max(inside):.1e}; kept windows: median {np.median(kept):.4f}, "
          f"95th percentile {np.quantile(kept, 0.95):.4f}, max {max(kept):.4f}; same best window {same_best:.1%}")
    rows = {}
    for method in ("local", "whole"):
        started = time.perf_counter()
        rows[method] = score_variants(hit, variants, model, method=method, threshold=threshold).table
        timings[f"{method}_e2e"] = time.perf_counter() - started
    cols = ["called_gained", "called_lost", "candidates_gained", "candidates_lost", "best_start_after"]
    agree = (rows["local"][cols].fillna("").astype(str) == rows["whole"][cols].fillna("").astype(str)).all(axis=1)
    print(f"end to end on the subset (reference pass included): local {timings['local_e2e']:.1f} s, whole "
          f"{timings['whole_e2e']:.1f} s, whole / local = {timings['whole_e2e'] / timings['local_e2e']:.2f}; "
          f"same calls, candidates gained/lost and best window after: {agree.mean():.1%} of {len(agree)}")


def ensure_screen(directory: Path) -> None:
    """A screen of the human set by the shipped model in ``directory`` (made when absent)."""
    if (directory / "windows.parquet").is_file():
        return
    import nesscan

    print(f"no screen in {directory}: screening the human set into it (once) ...", flush=True)
    started = time.perf_counter()
    nesscan.screen(data_dir() / HUMAN, directory, workers=2)
    print(f"screen made in {time.perf_counter() - started:.0f} s")


def forget_tracks() -> None:
    """Empty the predicted-track memo (:mod:`nesscan.features.metapredict`) of this process."""
    from nesscan.features import metapredict

    metapredict._MEMO.clear()
    metapredict._MEMO_SIZE[0] = 0


def old_against_screen(proteins, variants, screen: str) -> float:
    """The old path (every reference protein scored) and the screen's, on the same variants in
    this process: seconds of each and the table's agreement; returns old / screen."""
    import nesscan

    from nesscan.variants.mutate import score_variants
    from nesscan.variants.screen import read_screen_scores

    model = nesscan.load_model()
    by_acc = {p.accession: p for p in proteins}
    hit = list({v.accession: by_acc[v.accession] for v in variants}.values())
    score_variants(hit[:1], [v for v in variants if v.accession == hit[0].accession][:1], model)  # warm
    read_screen_scores(screen, {p.accession for p in hit})  # and the screen file in the page cache
    timings, tables = {}, {}
    for name, folder in (("old", None), ("screen", screen)):
        forget_tracks()  # each path predicts its own pLDDT tracks, as in a fresh process
        started = time.perf_counter()
        tables[name] = score_variants(hit, variants, model, method="local", screen=folder).table
        timings[name] = time.perf_counter() - started
    same = tables["old"].equals(tables["screen"])
    ratio = timings["old"] / timings["screen"]
    print(f"old path (every reference protein scored) against --screen, one process, {len(variants)} variants on "
          f"{len(hit)} proteins: {timings['old']:.1f} s against {timings['screen']:.1f} s "
          f"({timings['old'] / len(variants) * 1000:.1f} against {timings['screen'] / len(variants) * 1000:.1f} ms a "
          f"variant), old / screen = {ratio:.2f}; same table: {same}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="variants (default 10,000)")
    parser.add_argument("--subset", type=int, default=300, help="variants also rescored whole (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the end-to-end run (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--screen", metavar="DIR", help="a screen of the human set by the shipped model (made "
                                                         "there when absent): the end-to-end run reuses it")
    parser.add_argument("--old-subset", type=int, default=300,
                        help="with --screen: variants also run the old path, for the ratio (default 300)")
    args = parser.parse_args()
    from nesscan.io.fasta import read_fasta

    proteins = read_fasta(data_dir() / HUMAN)
    variants = draw_variants(proteins, args.n, args.seed)
    hit = {v.accession for v in variants}
    print(f"{len(variants):,} missense variants on {len(hit):,} of the {len(proteins):,} proteins of the assembled "
          f"human Swiss-Prot set ({sum(len(p.sequence) for p in proteins if p.accession in hit):,} residues); "
          f"{os.cpu_count()} cores")
    if args.subset:
        compare(proteins, variants[:args.subset])
    if args.screen:
        ensure_screen(Path(args.screen))
        if args.old_subset:
            old_against_screen(proteins, variants[:args.old_subset], args.screen)
    wall, scored, errors = end_to_end(proteins, variants, args.workers, args.screen)
    how = f"reference scores from the screen {args.screen}" if args.screen else "every reference protein scored"
    print(f"end to end, local rescoring, {how}, {args.workers} processes: {wall:.1f} s for {len(variants):,} "
          f"variants ({scored:,} scored, {errors} errors), {wall / len(variants) * 1000:.1f} ms a variant")
    target = wall * 10_000 / len(variants)
    print(f"target (10,000 variants in 120 s on {args.workers} processes): {target:.0f} s for 10,000 at this rate -> "
          f"{'met' if target <= 120 else 'NOT met'}{'' if len(variants) == 10_000 else ' (extrapolated from --n)'}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
