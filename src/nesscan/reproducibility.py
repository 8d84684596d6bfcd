"""Where nesscan's numbers depend on the CPU, and the two tools that keep them in check.

Every number nesscan writes is the same bytes on one machine whatever the chunk size, the
number of workers, the engine (local or Ray) or a resume (tested by computing both sides
in the tests). Across machines, the floating-point kernels that the libraries pick at run
time for the CPU they find can change the last bits. Measured with
``python bench/kernels.py`` (on an Intel Xeon with AVX-512: its own kernels against
:func:`other_kernels_env`, the same data):

metapredict's pLDDT network (torch, float32)
    MKL's matrix products (``MKL_ENABLE_INSTRUCTIONS``) and ATen's vectorised sigmoid/tanh
    (``ATEN_CPU_CAPABILITY``) change 2.4% of its outputs by up to 1.1e-6 (of 1). nesscan
    rounds the track to 1e-3, so a value changes only when it sits on a rounding boundary:
    1 residue of 69,542 (one rounding step, 0.001). A window whose features hold such a
    residue moves by at most 1.5e-5 (66,392 windows of 150 human proteins). This is the
    only source that changes the *features*; everything else changes the last bit.
numpy's vectorised transcendental functions
    ``exp`` (the logistic link), ``log`` (the PSSM's log-odds) have AVX-512 versions that
    differ from the AVX2 ones in the last bit (1e-16).
BLAS (OpenBLAS in numpy and scipy, MKL in torch)
    The kernel is picked per CPU (``OPENBLAS_CORETYPE``); dot products of the logistic
    regression and of the Transformer change in the last bits.
the Transformer classifier (format-1 models, torch float32)
    Window scores move by up to 2.1e-7.
threads
    scikit-learn's boosted trees split their work over OpenMP threads; their trees were
    identical with 1, 2 and 8 threads, but every fit runs on one thread
    (:func:`fixed_threads`) so that the machine's core count cannot enter, and because
    spinning OpenMP threads on a shared 2-core machine made a fit 10x slower (2.0 s on
    one thread against 20.5 s on two).
the logistic regression's optimiser
    Fitted to its optimum (``newton-cholesky``, ``tol=1e-8``): before, L-BFGS stopped at
    its default tolerance, with weights up to 1e-3 away from the optimum, where the
    optimiser's path rather than the data set them.
discontinuous features
    The PSSM's rank, z-score and local-peak features compare window scores with each
    other; a last-bit change of the log-odds turned ties into ranks and a zero spread
    into a z-score of 1 (one yeast window moved by 0.09 between trainings under two
    kernel sets). The window scores are rounded to 1e-9 before they are compared
    (:meth:`nesscan.features.pssm.AnchorPSSM.transform`).

What holds across machines therefore: window scores within :data:`SCORE_TOLERANCE`, the
same calls except windows within that tolerance of a threshold, the same chosen
hyper-parameters; a retrained default model within the figures of
``bench/retrain_compare.py`` (README, "Reproducibility").
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

#: Largest difference in a window score (probability) accepted between two machines: about
#: seven times the largest difference measured between two kernel sets (1.5e-5, see above).
SCORE_TOLERANCE = 1e-4


@contextlib.contextmanager
def fixed_threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``n`` OpenMP and BLAS threads (scikit-learn's fits), whatever the
    machine's core count; the limits are restored afterwards.

    Examples
    --------
    >>> with fixed_threads():
    ...     pass
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n):
        yield


def _avx512_dispatch() -> list[str]:
    """numpy's dispatched AVX-512 feature groups that this CPU has (names depend on the
    numpy version: ``X86_V4``/``AVX512_SPR`` in numpy 2, ``AVX512F``/``AVX512_SKX`` in 1)."""
    try:
        from numpy._core import _multiarray_umath as umath  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1
        from numpy.core import _multiarray_umath as umath  # type: ignore[no-redef]
    found = getattr(umath, "__cpu_features__", {})
    dispatch = getattr(umath, "__cpu_dispatch__", [])
    return [f for f in dispatch if ("AVX512" in f or f == "X86_V4") and found.get(f)]


def other_kernels_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment that makes the libraries pick other floating-point kernels on this
    very CPU: a stand-in for another machine, to be set before Python starts.

    ``ATEN_CPU_CAPABILITY=default`` (torch's scalar kernels), ``MKL_ENABLE_INSTRUCTIONS=AVX2``
    and ``ONEDNN_MAX_CPU_ISA=AVX2`` (torch's matrix products without AVX-512),
    ``OPENBLAS_CORETYPE=Haswell`` (numpy's and scipy's BLAS), ``NPY_DISABLE_CPU_FEATURES``
    (numpy's AVX-512 loops, where this CPU has them) and one thread everywhere.

    Parameters
    ----------
    base
        The environment to start from (default: this process's).
    """
    env = dict(os.environ if base is None else base)
    env.update({"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                "OPENBLAS_CORETYPE": "Haswell", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1"})
    disable = _avx512_dispatch()
    if disable:
        env["NPY_DISABLE_CPU_FEATURES"] = ",".join(disable)
    return env
