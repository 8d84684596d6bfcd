"""ESM-2 embedder: agreement with fair-esm, batching, chunking, model resolution.

All tests run on a tiny random-weight ESM-2 (``tests/esm_tiny.py``); no download.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("torch")
pytest.importorskip("transformers")

from esm_tiny import make_fair_esm_twin, make_tiny_esm2  # noqa: E402

from nesscan.embed import get_embedder  # noqa: E402
from nesscan.embed.esm2 import Esm2Embedder, chunk_owner, chunk_starts  # noqa: E402
from nesscan.errors import NesscanError  # noqa: E402

ATOL = 1e-5  # float32, two implementations of the same network

SEQS = [
    "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ",
    "ACDXBZUO",  # unknown / rare residues go through the tokenizer as they are
    "M",
    "MLSRAVCGTSRQLAPVLGYLGSRQKHSLPDLPYDYGALEPHINAQIMQLHHSKHHAAYVNNLNVTEEKYQEALAKGDVTAQ"
    "IALQPALKFNGGGHINHSIFWTNLSPNGGGEPKGELLEAIKRDFGSFDKFKEKLTAASVGVQGSGWGWLGFNKERGHLQIA"
    "ACPNQDPLQGTTGLIPLLGIDVWEHAYYLQYKNVRPDYLKAIWNVINWENVTERYMACKK",  # 222 aa (human SOD2-like)
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return make_tiny_esm2(tmp_path_factory.mktemp("models") / "esm2_tiny_t3", num_layers=3)


@pytest.fixture(scope="module")
def reference(tiny):
    """fair-esm's representations of SEQS for every layer, per sequence, no BOS/EOS."""
    import torch

    model, alphabet = make_fair_esm_twin(tiny)
    # the twin holds the random weights, not fresh defaults (layer norms start at 1, 0)
    assert not torch.allclose(model.emb_layer_norm_after.weight, torch.ones(32))
    assert not torch.allclose(model.layers[0].self_attn_layer_norm.bias, torch.zeros(32))
    _, _, tokens = alphabet.get_batch_converter()([(str(i), s) for i, s in enumerate(SEQS)])
    with torch.no_grad():
        reps = model(tokens, repr_layers=range(model.num_layers + 1))["representations"]
    return {k: [v[i, 1 : len(s) + 1].numpy() for i, s in enumerate(SEQS)] for k, v in reps.items()}


@pytest.mark.parametrize("layer", [-1, 3, 2, 1, 0])
def test_matches_fair_esm(tiny, reference, layer):
    emb = Esm2Embedder(str(tiny), layer=layer)
    resolved = 3 if layer == -1 else layer
    assert emb.layer == resolved and emb.dim == 32
    got = emb.embed(SEQS)
    for seq, vec, ref in zip(SEQS, got, reference[resolved]):
        assert vec.shape == (len(seq), 32) and vec.dtype == np.float32
        np.testing.assert_allclose(vec, ref, atol=ATOL, rtol=0)
    # the layers really differ (the final layer norm, the blocks)
    assert not np.allclose(reference[3][0], reference[2][0], atol=1e-2)


def test_batching_and_order_do_not_change_results(tiny):
    together = Esm2Embedder(str(tiny), batch_tokens=10_000).embed(SEQS)
    tight = Esm2Embedder(str(tiny), batch_tokens=150)  # several batches, padding varies
    calls = []
    mixed = tight.embed(SEQS, progress=lambda done, total: calls.append((done, total)))
    alone = [tight.embed([s])[0] for s in SEQS]
    for a, b, c in zip(together, mixed, alone):
        np.testing.assert_allclose(a, c, atol=ATOL, rtol=0)
        np.testing.assert_allclose(b, c, atol=ATOL, rtol=0)
    assert calls[-1] == (len(SEQS), len(SEQS)) and len(calls) > 1
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_chunk_geometry():
    assert chunk_starts(100, 40, 16) == [0, 24, 48, 60]
    assert chunk_starts(40, 40, 16) == [0]
    assert chunk_starts(41, 40, 16) == [0, 1]
    owner = chunk_owner(100, [0, 24, 48, 60], 40)
    # residue 30: 9 from chunk 0's right edge, 6 from chunk 1's left edge -> chunk 0
    assert owner[0] == 0 and owner[30] == 0 and owner[40] == 1 and owner[99] == 3
    assert owner[65] == 2 and owner[80] == 3
    assert list(owner) == sorted(owner)  # owners advance along the protein


def test_chunked_embedding_is_stitched_from_the_right_chunks(tiny):
    seq = SEQS[3][:100]
    whole = Esm2Embedder(str(tiny))
    chunked = Esm2Embedder(str(tiny), max_len=40, overlap=16)
    out = chunked.embed([seq, SEQS[1]])
    assert out[0].shape == (100, 32)
    np.testing.assert_allclose(out[1], whole.embed([SEQS[1]])[0], atol=ATOL, rtol=0)  # short: no chunking
    starts = [0, 24, 48, 60]
    direct = whole.embed([seq[b : b + 40] for b in starts])
    for i in range(100):  # brute force: the chunk where residue i is deepest, earliest on ties
        depth = [min(i - b, b + 39 - i) if b <= i < b + 40 else -1 for b in starts]
        c = depth.index(max(depth))
        np.testing.assert_allclose(out[0][i], direct[c][i - starts[c]], atol=ATOL, rtol=0)
    # chunking changes the context, so it changes the vectors of the stitched protein
    assert not np.allclose(out[0], whole.embed([seq])[0], atol=1e-3)
    # max_len >= length: identical to the unchunked result
    exact_fit = Esm2Embedder(str(tiny), max_len=100, overlap=16).embed([seq])[0]
    np.testing.assert_allclose(exact_fit, whole.embed([seq])[0], atol=ATOL, rtol=0)


def test_missing_checkpoint_offline_is_one_line_and_fast(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("NESSCAN_CACHE", str(tmp_path))
    t0 = time.perf_counter()
    with pytest.raises(NesscanError) as info:
        Esm2Embedder("esm2_t99_nonexistent_UR50D")
    assert time.perf_counter() - t0 < 5
    message = str(info.value)
    assert "\n" not in message
    assert "facebook/esm2_t99_nonexistent_UR50D" in message
    assert "run `nesscan fetch esm2 esm2_t99_nonexistent_UR50D`" in message
    assert "hf download" not in message
    assert str(tmp_path / "esm2" / "esm2_t99_nonexistent_UR50D") in message
    with pytest.raises(NesscanError, match="not found"):
        Esm2Embedder(str(tmp_path / "no_such_dir"))


def test_bad_options_raise(tiny):
    with pytest.raises(NesscanError, match="layer 4 out of range"):
        Esm2Embedder(str(tiny), layer=4)
    with pytest.raises(NesscanError, match="overlap"):
        Esm2Embedder(str(tiny), max_len=10, overlap=10)
    with pytest.raises(NesscanError, match="empty"):
        Esm2Embedder(str(tiny)).embed(["MK", ""])


def test_registry_and_spec_round_trip(tiny, monkeypatch, tmp_path):
    emb = get_embedder({"name": "esm2", "model": str(tiny), "layer": -2})
    spec = emb.spec()
    assert spec == {"name": "esm2", "model": "esm2_tiny_t3", "layer": 2, "max_len": 1022, "overlap": 256}
    import json

    assert json.loads(json.dumps(spec)) == spec
    # rebuilt by name from the cache directory, on another "machine"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("NESSCAN_CACHE", str(tmp_path))
    with pytest.raises(NesscanError, match="esm2_tiny_t3"):
        get_embedder(spec)
    (tmp_path / "esm2").mkdir()
    (tmp_path / "esm2" / "esm2_tiny_t3").symlink_to(tiny, target_is_directory=True)
    again = get_embedder(spec)
    assert again.spec() == spec
    np.testing.assert_array_equal(again.embed(SEQS[:2])[1], emb.embed(SEQS[:2])[1])
    # or by overriding the location, as the CLI does
    assert get_embedder(spec, model=str(tiny)).spec() == spec


def test_bfloat16_is_close_to_float32_and_cache_reuses_embeddings(tmp_path):
    """bfloat16 autocast keeps per-residue vectors within 2% (relative L2) of float32's; the
    embedding cache returns the same arrays without calling the model again, and keeps
    float32 and bfloat16 embeddings apart."""
    import numpy as np

    from esm_tiny import make_tiny_esm2
    from nesscan.embed import get_embedder
    from nesscan.embed.cache import CachedEmbedder

    model = make_tiny_esm2(tmp_path / "esm2_tiny", num_layers=2, hidden=64, heads=4)
    seqs = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "MSEEQLLALKKLRE", "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"]
    f32 = get_embedder({"name": "esm2", "model": str(model)}).embed(seqs)
    b16 = get_embedder({"name": "esm2", "model": str(model)}, dtype="bfloat16").embed(seqs)
    for a, b in zip(f32, b16):
        assert b.dtype == np.float32 and b.shape == a.shape
        rel = np.linalg.norm(a - b, axis=1) / np.linalg.norm(a, axis=1)
        assert 0 < rel.max() < 0.02
    cache = tmp_path / "cache"
    cached = get_embedder({"name": "esm2", "model": str(model)}, cache_dir=str(cache))
    assert isinstance(cached, CachedEmbedder)
    first = cached.embed(seqs)
    assert (cached.hits, cached.misses) == (0, 2)  # the repeated sequence is embedded once
    cached.inner._net = None
    cached.inner._load = lambda: (_ for _ in ()).throw(AssertionError("model called on a cache hit"))
    again = cached.embed(seqs)
    assert cached.hits == 3
    for a, b, c in zip(f32, first, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    bf_cached = get_embedder({"name": "esm2", "model": str(model)}, cache_dir=str(cache), dtype="bfloat16")
    np.testing.assert_array_equal(bf_cached.embed(seqs[:1])[0], b16[0])
    assert bf_cached.misses == 1 and len({p.parent.parent for p in cache.rglob("*.npy")}) == 2
