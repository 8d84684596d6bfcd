"""Issue 11 item 5: the predicted pLDDT and disorder tracks on the predict page and in its
downloads, and each call explained in words there and in the report's Table 1."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient
from web_screen import FORMER_DEFAULT, PKIA

from nesscan.explain import explain, order_words

FASTA = f">sp|{PKIA[0]}|{PKIA[1]} cAMP-dependent protein kinase inhibitor alpha GN={PKIA[2]}\n{PKIA[3]}\n"


@pytest.fixture(scope="module")
def client():
    from nesscan.web.app import create_app

    return TestClient(create_app(FORMER_DEFAULT), base_url="http://localhost")


@pytest.fixture(scope="module")
def metapredict_own():
    """metapredict's own per-residue output for PKI-alpha, called directly."""
    import metapredict as meta

    return (np.asarray(meta.predict_pLDDT(PKIA[3]), float), np.asarray(meta.predict_disorder(PKIA[3]), float))


def test_api_predict_has_metapredicts_tracks(client, metapredict_own):
    (p,) = client.post("/api/predict", json={"sequence": FASTA}).json()["proteins"]
    plddt, disorder = metapredict_own
    assert len(p["predicted_plddt"]) == len(p["predicted_disorder"]) == 76
    # the app rounds to 0.1 pLDDT and 0.001 disorder (nesscan.features.metapredict)
    np.testing.assert_allclose(p["predicted_plddt"], plddt, atol=0.051 + 0.01)
    np.testing.assert_allclose(p["predicted_disorder"], disorder, atol=0.00051 + 0.0005)
    (c,) = p["candidates"]
    mean = plddt[c["start"] - 1:c["end"]].mean()
    assert c["explanation"].startswith("class 1a match L38-L42-L45-I47 (anchors 38, 42, 45, 47), "
                                       "4 of 4 anchors hydrophobic; ")
    assert f"pLDDT {mean:.0f}" in c["explanation"]


def test_residue_csv_columns(client, metapredict_own):
    r = client.post("/predict.csv", data={"sequence": FASTA, "table": "residues"})
    table = pd.read_csv(io.StringIO(r.text))
    assert list(table.columns[-2:]) == ["predicted_plddt", "predicted_disorder"]
    np.testing.assert_allclose(table.predicted_plddt, metapredict_own[0], atol=0.061)
    np.testing.assert_allclose(table.predicted_disorder, metapredict_own[1], atol=0.0011)
    cands = pd.read_csv(io.StringIO(client.post("/predict.csv", data={"sequence": FASTA}).text))
    assert cands.explanation[0].startswith("class 1a match L38-L42-L45-I47")


def test_predict_page_draws_the_tracks_and_explains(client):
    html = client.post("/", data={"sequence": FASTA}).text
    assert html.index('class="track-svg"') < html.index('class="order-svg"')  # under the score track
    order = html[html.index('<svg class="order-svg"'):]
    order = order[:order.index("</svg>")]
    for name in ("plddt", "disorder"):
        points = order[order.index(f'<polyline class="{name}" points="') + len(f'<polyline class="{name}" points="'):]
        assert len(points[:points.index('"')].split()) == 76
    assert "predicted pLDDT (0-100; &lt; 50 disordered, &gt; 70 ordered)" in order
    assert "predicted disorder (0-1; &gt; 0.5 disordered)" in order
    assert order.count('class="band"') == 3  # pLDDT 50, 70; disorder 0.5
    assert '<span class="key key-plddt"></span> predicted pLDDT' in html
    assert "<th>explanation</th>" in html
    assert '<td class="explain">class 1a match L38-L42-L45-I47 (anchors 38, 42, 45, 47)' in html


def test_wording_bands():
    assert order_words(49.9).startswith("predicted disordered (pLDDT 50")
    assert order_words(50.0).startswith("low-confidence order")
    assert order_words(70.0).startswith("low-confidence order")
    assert order_words(70.1).startswith("predicted ordered") and "buried" in order_words(70.1)
    assert "(but disorder > 0.5 calls it disordered)" in order_words(80, 0.6)
    assert explain("no consensus", "", "A" * 22, 1, 22) == "no Kosugi consensus match; no predicted order"


def _report_table1(run) -> str:
    from nesscan.report import write_report

    html = write_report(run).read_text()
    table1 = html[html.index("Table 1 (H.sapiens"):]
    return table1[:table1.index("</table>")]


@pytest.mark.slow
def test_report_table_explains_without_fasta(tmp_path):
    from test_report import make_run

    table1 = _report_table1(make_run(tmp_path / "run"))
    assert "<th>explanation</th>" in table1
    assert table1.count("no predicted order: FASTA not found") == 10
    # anchors 3,7,10,12 of window LQKKLEELELDLLSAQLRLEAA starting at its 'start'
    assert "class 1a match" in table1


@pytest.mark.slow
def test_report_table_explains_with_the_screened_fasta(tmp_path):
    import metapredict as meta
    from test_report import HUMAN, make_run

    run = make_run(tmp_path / "run")
    screen = run / "screen" / HUMAN
    cands = pd.read_csv(screen / "candidates.csv")
    rng = np.random.default_rng(1)
    proteins = pd.read_csv(screen / "proteins.csv")
    seqs = {a: "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), int(n))) for a, n in zip(proteins.accession,
                                                                                         proteins.length)}
    for _, c in cands.iterrows():  # the window into its protein, so the anchors read the window's residues
        s = seqs[c.accession]
        seqs[c.accession] = s[:c.start - 1] + c.sequence + s[c.end:]
    (screen / "proteome.fasta").write_text("".join(f">sp|{a}|{a}_HUMAN x\n{s}\n" for a, s in seqs.items()))
    record = json.loads((screen / "screen.json").read_text())
    record["config"] = {"fasta": str(screen / "proteome.fasta")}
    (screen / "screen.json").write_text(json.dumps(record))
    table1 = _report_table1(run)
    assert "FASTA not found" not in table1 and table1.count("anchors hydrophobic; ") == 10
    best = cands.sort_values("score", ascending=False).iloc[0]
    plddt = np.asarray(meta.predict_pLDDT(seqs[best.accession]), float)[best.start - 1:best.end].mean()
    row = table1[table1.index("<tr><td>1</td>"):]
    row = row[:row.index("</tr>")]
    anchors = [int(a) for a in best.anchors.split(",")]
    motif = "-".join(f"{seqs[best.accession][a - 1]}{a}" for a in anchors)
    assert f"class 1a match {motif}" in row and f"pLDDT {plddt:.0f}" in row
