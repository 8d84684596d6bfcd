"""Results that hold on every machine.

A screen of 38 reference proteins (``tests/reference_screen.py``) agrees with the stored
reference within :data:`nesscan.reproducibility.SCORE_TOLERANCE`, with the same calls
(except ties at that tolerance), on this machine's own floating-point kernels and under
:func:`nesscan.reproducibility.other_kernels_env`: torch's scalar kernels, MKL and oneDNN
without AVX-512, OpenBLAS's Haswell kernels, numpy without its AVX-512 loops and one
thread. A result that holds only on the CPU where it was recorded (a pinned hash) fails
here under the second setting before it fails on a user's machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference_screen import MODELS, compare, reference_fasta

from nesscan.predictor import Predictor
from nesscan.reproducibility import SCORE_TOLERANCE, fixed_threads, other_kernels_env


@pytest.fixture(scope="module")
def screens(data_dir: Path, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(kernels, model) -> screen folder of the reference proteins: this process's kernels
    (``pipeline.screen``) and the other kernels (``nesscan screen`` in a process started
    with :func:`other_kernels_env`)."""
    from nesscan import pipeline

    root = tmp_path_factory.mktemp("portability")
    fasta = reference_fasta(data_dir, root / "reference.fasta")
    out = {}
    for name, model in MODELS.items():
        native = root / f"native-{name}"
        pipeline.screen(fasta, native, model, workers=1)
        other = root / f"other-{name}"
        cmd = [sys.executable, "-m", "nesscan", "screen", str(fasta), "-o", str(other), "--workers", "1"]
        result = subprocess.run(cmd + (["--model", str(model)] if model else []), env=other_kernels_env(),
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        out["native", name], out["other", name] = native, other
    return out


@pytest.mark.slow  # screens: two screens of the reference proteins per model, one in a process of its own (~1 min)
@pytest.mark.parametrize("kernels", ["native", "other"])
@pytest.mark.parametrize("model", list(MODELS))
def test_a_screen_agrees_with_the_stored_reference(screens, kernels: str, model: str) -> None:
    threshold = Predictor.load(MODELS[model]).threshold
    assert compare(screens[kernels, model], model, threshold, SCORE_TOLERANCE) == []


@pytest.mark.slow
def test_the_other_kernels_are_other_kernels(screens) -> None:
    """The second setting really computes differently (else the test above would prove
    nothing): the Transformer's scores are not all the same bits, yet within tolerance."""
    import torch

    if torch.backends.cpu.get_cpu_capability() == "DEFAULT":
        pytest.skip("torch already runs its scalar kernels on this CPU")
    a, b = (pd.read_parquet(screens[k, "physchem_transformer"] / "windows.parquet").score.to_numpy()
            for k in ("native", "other"))
    assert not np.array_equal(a, b)
    assert np.abs(a.astype(np.float64) - b).max() <= SCORE_TOLERANCE


@pytest.mark.slow
def test_the_comparison_fails_on_a_score_moved_beyond_the_tolerance(screens, tmp_path: Path) -> None:
    """The comparison itself: a window moved by twice the tolerance is reported, one moved
    by half of it is not."""
    import shutil

    src = screens["native", "default"]
    for factor, expect in ((0.5, False), (2.0, True)):
        out = Path(shutil.copytree(src, tmp_path / str(factor)))
        w = pd.read_parquet(out / "windows.parquet")
        i = int(w.score.idxmax())
        w.loc[i, "score"] = np.float32(w.score[i] - factor * SCORE_TOLERANCE)
        w.to_parquet(out / "windows.parquet")
        assert bool(compare(out, "default", Predictor.load().threshold, SCORE_TOLERANCE)) is expect


def test_fixed_threads_restores_the_limits() -> None:
    from threadpoolctl import threadpool_info

    before = [i["num_threads"] for i in threadpool_info()]
    with fixed_threads():
        assert all(i["num_threads"] == 1 for i in threadpool_info())
    assert [i["num_threads"] for i in threadpool_info()] == before


def test_other_kernels_env_names_only_features_this_numpy_knows() -> None:
    env = other_kernels_env({})
    assert env["ATEN_CPU_CAPABILITY"] == "default" and env["OMP_NUM_THREADS"] == "1"
    from nesscan.reproducibility import _avx512_dispatch

    assert env.get("NPY_DISABLE_CPU_FEATURES", "") == ",".join(_avx512_dispatch())
