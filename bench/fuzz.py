"""A longer fuzzing campaign of nesscan's readers (the suite runs the same targets briefly).

    PYTHONPATH=src python bench/fuzz.py --examples 5000            # every target
    PYTHONPATH=src python bench/fuzz.py --examples 20000 fasta api_predict --seed 3

Prints, per target, the cases tried and the failures found (distinct by exception type and
place), with the smallest input seen for each. Targets are in ``tests/fuzz_targets.py``.
Exit status 1 when any failure was found.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def campaign(name: str, examples: int, seed: int | None) -> tuple[int, dict[str, tuple[str, str]]]:
    """Run one target for ``examples`` cases; returns (cases tried, failures by signature)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    from fuzz_targets import TARGETS

    strategy, check, _ = TARGETS[name]
    tried = 0
    failures: dict[str, tuple[str, str]] = {}

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case):
        nonlocal tried
        tried += 1
        try:
            check(case)
        except Exception as exc:  # noqa: BLE001 -- every escape is a finding
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            key = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            shown = repr(case)
            if key not in failures or len(shown) < len(failures[key][1]):
                failures[key] = (f"{type(exc).__name__}: {exc}"[:300], shown[:300])

    if seed is not None:
        run = hseed(seed)(run)
    run()
    return tried, failures


def main(argv: list[str] | None = None) -> int:
    from fuzz_targets import TARGETS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", choices=[[], *TARGETS], help="targets (default: all)")
    parser.add_argument("--examples", type=int, default=2000, help="cases per target (default 2000)")
    parser.add_argument("--seed", type=int, help="random seed (default: derandomized, same cases each run)")
    args = parser.parse_args(argv)
    total = 0
    print(f"{'target':<18} {'cases':>7} {'failures':>8} {'seconds':>8}")
    for name in args.targets or list(TARGETS):
        start = time.perf_counter()
        tried, failures = campaign(name, args.examples, args.seed)
        total += len(failures)
        print(f"{name:<18} {tried:>7} {len(failures):>8} {time.perf_counter() - start:>8.1f}", flush=True)
        for key, (message, case) in failures.items():
            print(f"    {key}\n      {message}\n      input: {case}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
