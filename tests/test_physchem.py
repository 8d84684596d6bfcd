"""The weight-free embedder: shapes, letters, and independence from context."""

import numpy as np
import pytest

from nesscan.embed import get_embedder
from nesscan.embed.physchem import STANDARD, feature_table
from nesscan.errors import NesscanError


def test_shape_and_spec():
    e = get_embedder("physchem")
    (x,) = e.embed(["MLELLAKX"])
    assert x.shape == (8, e.dim) == (8, 45)
    assert x.dtype == np.float32
    assert e.spec() == {"name": "physchem"}
    assert get_embedder(e.spec()).spec() == e.spec()


def test_one_hot_and_scales():
    table = feature_table()
    for i, a in enumerate(STANDARD):
        assert table[ord(a), :21].argmax() == i and table[ord(a), :21].sum() == 1
    # Kyte-Doolittle: isoleucine is the most hydrophobic, arginine the least
    kd = {a: table[ord(a), 41] for a in STANDARD}
    assert max(kd, key=kd.get) == "I" and min(kd, key=kd.get) == "R"
    # helix propensity (sign flipped): alanine most, proline least helical
    helix = {a: table[ord(a), 42] for a in STANDARD}
    assert max(helix, key=helix.get) == "A" and min(helix, key=helix.get) == "P"
    # U and O read as their parent residues; X/B/Z share the 'other' slot
    np.testing.assert_array_equal(table[ord("U")], table[ord("C")])
    np.testing.assert_array_equal(table[ord("O")], table[ord("K")])
    assert table[ord("X"), 20] == table[ord("B"), 20] == 1


def test_no_context():
    e = get_embedder("physchem")
    protein, window = "MSTLLLSPEQLKRLLEELAKQGHA", "LLEELAK"
    whole = e.embed([protein])[0]
    alone = e.embed([window])[0]
    start = protein.index(window)
    np.testing.assert_array_equal(whole[start:start + len(window)], alone)
    assert e.contextual is False


def test_unknown_embedder():
    with pytest.raises(NesscanError, match="unknown embedder"):
        get_embedder("nope")
