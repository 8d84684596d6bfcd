"""The worked example of a per-residue track (docs/howto/extend.md; the README's, before the docs
site): one class and one registration give a track that the Featurizer concatenates after the
embedder, in the spec's order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from doc_examples import worked_example

from nesscan import features
from nesscan.features import Featurizer
from nesscan.features.spec import FeatureSpec
from nesscan.records import Protein
from nesscan.runtime import Runtime


@pytest.fixture()
def scratch_tracks():
    before = dict(features.TRACKS)
    yield
    features.TRACKS.clear()
    features.TRACKS.update(before)


def test_readme_track_example_is_featurised_after_the_embedder(scratch_tracks) -> None:
    code, page = worked_example("Adding a per-residue track")
    exec(compile(code, str(page), "exec"), {})
    assert "local_charge" in features.TRACKS
    spec = FeatureSpec(tracks=({"name": "physchem"}, {"name": "local_charge", "half": 2}))
    feat = Featurizer(spec, Runtime(), window=22)
    assert feat.dim == 46 and feat.contextual
    parent = "MKKDDE" + "L" * 10 + "RRRRR" + "A" * 20
    protein = Protein(accession="P1", sequence=parent)
    examples = pd.DataFrame({"sequence": [parent[3:25]], "accession": ["P1"], "start": [3], "source": ["nesdb"]})
    x = feat.windows(examples, {"P1": protein}, "protein")
    assert x.shape == (1, 22, 46)
    physchem_only = Featurizer(FeatureSpec(tracks=({"name": "physchem"},)), Runtime(), window=22)
    np.testing.assert_array_equal(x[0, :, :45], physchem_only.windows(examples, {"P1": protein}, "protein")[0])
    charge = np.array([(c in "KR") - (c in "DE") for c in parent], float)
    expected = np.convolve(charge, np.ones(5), mode="same")[3:25]  # protein context: the parent's flanks count
    np.testing.assert_allclose(x[0, :, 45], expected)
