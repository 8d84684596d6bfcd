"""The web app's protein level: cargo probability and protein score on the predict page, in
the JSON API and in a screen's browse and protein pages.

The value checks use the shipped default, which has a protein model; the former default (a
Transformer, no protein model) shows "n/a" and null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from web_screen import FORMER_DEFAULT, PKIA

pytest.importorskip("httpx", reason="starlette's TestClient needs httpx (pip install -e .[test])")
from starlette.testclient import TestClient  # noqa: E402

from nesscan.web.app import create_app  # noqa: E402

FASTA = f">sp|{PKIA[0]}|{PKIA[1]} cAMP-dependent protein kinase inhibitor alpha GN={PKIA[2]}\n{PKIA[3]}\n"
SHORT = ">tiny\nMKVLLAAG\n"


def _client(model=None, **kwargs) -> TestClient:
    return TestClient(create_app(model, **kwargs), raise_server_exceptions=False, base_url="http://localhost")


@pytest.fixture(scope="module")
def former():
    return _client(FORMER_DEFAULT)


@pytest.fixture(scope="module")
def with_protein_model():
    """A client serving the shipped default (it has a protein model) and the model itself."""
    from nesscan.predictor import Predictor

    model = Predictor.load()
    assert model.protein_model is not None
    return _client(), model


def test_a_model_without_protein_model_gives_null_and_na(former):
    assert former.get("/api/health").json()["model"]["protein_model"] is False
    proteins = former.post("/api/predict", json={"sequence": FASTA + SHORT}).json()["proteins"]
    for p in proteins:
        assert "cargo_probability" in p and p["cargo_probability"] is None and p["protein_score"] is None
    assert proteins[0]["candidates"][0]["cargo_probability"] is None
    page = former.post("/", data={"sequence": FASTA}).text
    assert '<strong class="cargo-probability">n/a</strong>' in page
    assert '<strong class="protein-score">n/a</strong>' in page
    assert "the served model has no protein-level model" in page
    csv = former.post("/predict.csv", data={"sequence": FASTA, "table": "candidates"}).text.splitlines()
    header = csv[0].split(",")
    row = pd.read_csv(__import__("io").StringIO("\n".join(csv)))
    assert "cargo_probability" in header and row.cargo_probability.isna().all()
    docs = former.get("/api").text
    assert '"cargo_probability", "protein_score"' in docs and "The served model has none." in docs


def test_predict_shows_cargo_probability(with_protein_model):
    client, model = with_protein_model
    from nesscan.web import predict as pred

    assert client.get("/api/health").json()["model"]["protein_model"] is True
    proteins = client.post("/api/predict", json={"sequence": FASTA + SHORT}).json()["proteins"]
    pkia, short = proteins
    (protein,) = pred.parse_text(FASTA)
    cargo, score = model.score_protein_level([protein], model.score_proteins([protein]))
    assert pkia["cargo_probability"] == pytest.approx(cargo[0], abs=1e-9)
    assert pkia["protein_score"] == pytest.approx(score[0], abs=1e-9)
    assert 0 <= pkia["cargo_probability"] <= 1 and 0 <= pkia["protein_score"] <= 1
    assert all(c["protein_score"] == pkia["protein_score"] for c in pkia["candidates"])
    assert short["status"] == "shorter_than_window" and short["cargo_probability"] is None
    page = client.post("/", data={"sequence": FASTA}).text
    assert f'<strong class="cargo-probability">{cargo[0]:.3f}</strong>' in page
    assert f'<strong class="protein-score">{score[0]:.3f}</strong>' in page
    assert "Neither locates an NES" in page and "The served model has none" not in client.get("/api").text
    # where the protein lives, and its call against the model's fixed null
    from nesscan.length_null import cargo_p_values

    assert pkia["compartment"] == "nucleocytoplasmic" and pkia["tm_helices"] == 0
    assert pkia["cargo_p_value"] == pytest.approx(cargo_p_values(score, model.protein_model.null)[0], rel=1e-9)
    assert pkia["cargo_q_value_batch"] == pkia["cargo_p_value"] and pkia["call_status"] in ("called", "not called")
    assert "compartment" not in short
    helix = "LLVALIVAFLGLLIAVVLAF"
    receptor = ">R1 designed 7-helix protein\nMSDNKE" + "".join(helix + "KRDESGNQTPKE" for _ in range(7)) + "GSEKKD\n"
    (mem,) = client.post("/api/predict", json={"sequence": receptor}).json()["proteins"]
    assert mem["compartment"] == "membrane" and mem["cargo_p_value"] is None
    assert mem["call_status"] == "not assessed: predicted membrane protein (7 TM helices)"
    page = client.post("/", data={"sequence": receptor}).text
    assert '<strong class="compartment-label">membrane</strong>' in page
    assert "not assessed: predicted membrane protein (7 TM helices)" in page


@pytest.fixture
def level_screen(tmp_path):
    """A screen folder with protein-level columns (candidates.csv and proteins.csv only)."""
    folder = tmp_path / "screen"
    folder.mkdir()
    cands = pd.DataFrame({"accession": ["P1", "P2", "P2"], "gene": ["A", "B", "B"], "entry_name": ["A_H", "B_H", "B_H"],
                          "start": [5, 10, 60], "end": [26, 31, 81], "sequence": ["L" * 22] * 3,
                          "score": [0.95, 0.97, 0.93], "region_start": [5, 10, 60], "region_end": [26, 31, 81],
                          "n_windows": [1, 1, 1], "known_nes": [False, True, True], "known_nes_ids": ["", "X", "X"],
                          "cargo_probability": [0.2345, 0.8123, 0.8123], "protein_score": [0.3456, 0.9012, 0.9012],
                          "nes_class": ["1a"] * 3, "anchors": ["6,10,13,15"] * 3, "q_value": [0.01, 0.02, 0.05]})
    cands.to_csv(folder / "candidates.csv", index=False)
    pd.DataFrame({"accession": ["P1", "P2"], "entry_name": ["A_H", "B_H"], "gene": ["A", "B"], "length": [120, 200],
                  "n_windows": [99, 179], "max_score": [0.95, 0.97], "best_start": [5, 10], "n_candidates": [1, 2],
                  "status": ["ok", "ok"], "cargo_probability": [0.2345, 0.8123], "protein_score": [0.3456, 0.9012],
                  "compartment": ["nucleocytoplasmic"] * 2, "cargo_p_value": [0.2, 0.004],
                  "cargo_q_value_batch": [0.4, 0.031], "call_status": ["not called", "called"]
                  }).to_csv(folder / "proteins.csv", index=False)
    return folder


def test_browse_shows_the_protein_level_columns(level_screen):
    client = _client(FORMER_DEFAULT, screen_dir=level_screen)
    (screen,) = client.get("/api/screens").json()
    cols = screen["columns"]
    assert cols.index("protein_score") == cols.index("known_nes") + 1 and "cargo_probability" in cols
    page = client.get("/browse?sort=protein_score&order=desc").text
    assert 'data-column="protein_score"' in page and ">protein score" in page and ">cargo probability" in page
    assert 'data-column="cargo_probability">0.812</td>' in page and 'id="protein-level-note"' in page
    order = [line.split(">")[1].split("<")[0] for line in page.split('class="protein-link"')[1:]]
    assert order == ["P2", "P2", "P1"]
    rows = client.get("/api/candidates?sort=cargo_probability&order=asc").json()["rows"]
    assert [r["cargo_probability"] for r in rows] == [0.2345, 0.8123, 0.8123]
    protein = client.get("/protein/P2").text
    assert '<strong class="protein-score">0.901</strong>' in protein and "q-value (batch) 0.031" in protein
    assert '<span class="call-status">called</span>' in protein
    assert client.get("/api/protein/P2").json()["protein"]["cargo_probability"] == 0.8123


def test_browse_hides_empty_protein_level_columns(level_screen):
    cands = pd.read_csv(level_screen / "candidates.csv")
    cands[["cargo_probability", "protein_score"]] = np.nan  # screened with a model without a protein model
    cands.to_csv(level_screen / "candidates.csv", index=False)
    client = _client(FORMER_DEFAULT, screen_dir=level_screen)
    (screen,) = client.get("/api/screens").json()
    assert "cargo_probability" not in screen["columns"] and "protein_score" not in screen["columns"]
    page = client.get("/browse").text
    assert 'data-column="cargo_probability"' not in page and 'id="protein-level-note"' not in page
