"""Speed paths change no result: worker processes, bfloat16 within its stated bound."""

from pathlib import Path

import numpy as np
import pytest

from nesscan.cli import main
from nesscan.screen.workers import map_ordered, plan_workers

PROTEINS = [
    "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES",  # PKI alpha
    "MEELSQALASSFSVSQDLNSTAAPHPRLSQYKSKYSSLEQSERRRRLLELQKSKRLDYVNHARRLAEDDWTGMESEEENKKDDEEMDIDTVKKLPKHYANQLMLSEWLIDVPSDLGQEWIVVVCPVGKRALIVASRGSTSAYTKSGYCVNRFSSLLPGGNRRNSTAKDYTILDCIYNEVNQTYYVLDVMCWRGHPFYDCQTDFRFYWMHSKLPEEEGLGEKTKLNPFKFVGLKNFPCTPESLCDVLSMDFPFEVDGLLFYHKQTHYSPGSTPLVGWLRPYMVSDVLGVAVPAGPLTTKPDYAGHQLQQIMEHKKSQKEGMKEKLTHKASENGHYELEHLSTPKLKGSSHSPDHPGCLMEN",
]


def _fasta(path: Path, n: int = 40) -> Path:
    rng = np.random.default_rng(0)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWYLLLIV"))
    with open(path, "w") as handle:
        for i in range(n):
            seq = PROTEINS[i % 2] if i < 2 else "".join(rng.choice(letters, int(rng.integers(15, 700))))
            handle.write(f">sp|P{i:05d}|T{i}_HUMAN test\n{seq}\n")
    return path


def _square(x: int, *, offset: int) -> int:
    return x * x + offset


@pytest.mark.slow
def test_map_ordered_keeps_order_and_passes_none():
    tasks = [(1,), None, (3,), (4,), None, (6,)]
    expected = [2, None, 10, 17, None, 37]
    assert list(map_ordered(_square, tasks, {"offset": 1}, workers=1, threads=1)) == expected
    assert list(map_ordered(_square, iter(tasks), {"offset": 1}, workers=2, threads=1)) == expected


def test_plan_workers():
    import os

    cores = len(os.sched_getaffinity(0))
    assert plan_workers(None) == (cores, 1)
    assert plan_workers(None, device="cuda") == (1, cores)
    assert plan_workers(1) == (1, cores)


@pytest.mark.slow
def test_screen_outputs_do_not_depend_on_workers(tmp_path):
    """One process with all cores' threads and one process per core give the same bytes."""
    fasta = _fasta(tmp_path / "p.fa")
    outs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        assert main(["screen", str(fasta), "-o", str(out), "--workers", workers, "--chunk-floats", "90000"]) == 0
        outs[workers] = {f: (out / f).read_bytes() for f in ("windows.parquet", "candidates.csv", "proteins.csv",
                                                                 "fdr.json", "importance.csv")}
    assert outs["1"] == outs["2"]


@pytest.mark.slow
def test_bfloat16_classifier_is_close_to_float32(tmp_path):
    """--precision bfloat16: every probability within 0.01 of float32's (measured: 0.0052 on
    a human-shaped proteome), and screen.json records the precision."""
    import pandas as pd

    fasta = _fasta(tmp_path / "p.fa", n=12)
    former = Path(__file__).parent / "models" / "physchem_transformer"  # bfloat16 is the Transformer's
    for precision in ("float32", "bfloat16"):
        assert main(["screen", str(fasta), "-o", str(tmp_path / precision), "--precision", precision,
                     "--workers", "1", "--model", str(former)]) == 0
    a = pd.read_parquet(tmp_path / "float32" / "windows.parquet")
    b = pd.read_parquet(tmp_path / "bfloat16" / "windows.parquet")
    diff = np.abs(a.score.to_numpy(float) - b.score.to_numpy(float))
    assert 0 < diff.max() < 0.01
    screen = (tmp_path / "bfloat16" / "screen.json").read_text()
    assert '"precision": "bfloat16"' in screen


def test_unknown_precision_is_one_clear_error(tmp_path, capsys):
    fasta = _fasta(tmp_path / "p.fa", n=2)
    with pytest.raises(SystemExit):
        main(["screen", str(fasta), "-o", str(tmp_path / "o"), "--precision", "float8"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow
def test_a_single_task_runs_here():
    """One task starts no worker process (it would only cost the start-up)."""
    import os

    assert list(map_ordered(_pid, [()], {}, workers=2, threads=1)) == [os.getpid()]
    pids = list(map_ordered(_pid, [(), ()], {}, workers=2, threads=1))
    assert os.getpid() not in pids


def _pid() -> int:
    import os

    return os.getpid()
