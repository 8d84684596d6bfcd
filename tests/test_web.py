"""The web application's library, pages and JSON API, through Starlette's test client.

The browser tests (tests/test_browser.py) drive the same pages in Chromium."""

from __future__ import annotations

import html
import io
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from web_screen import FORMER_DEFAULT, PKIA, make_screen

from nesscan.errors import NesscanError
from nesscan.records import Protein

pytest.importorskip("httpx", reason="starlette's TestClient needs httpx (pip install -e .[test])")
from starlette.testclient import TestClient  # noqa: E402

from nesscan.web import predict as pred  # noqa: E402
from nesscan.web.app import create_app  # noqa: E402

FASTA = f">sp|{PKIA[0]}|{PKIA[1]} cAMP-dependent protein kinase inhibitor alpha GN={PKIA[2]}\n{PKIA[3]}\n"


@pytest.fixture(scope="module")
def screen_dir(tmp_path_factory):
    return make_screen(tmp_path_factory.mktemp("web_screen"))


@pytest.fixture(scope="module")
def client():  # the pages' expectations were written against the former default (physchem Transformer)
    return TestClient(create_app(FORMER_DEFAULT), raise_server_exceptions=False, base_url="http://localhost")


@pytest.fixture(scope="module")
def screen_client(screen_dir):
    return TestClient(create_app(FORMER_DEFAULT, screen_dir=screen_dir), raise_server_exceptions=False,
                      base_url="http://localhost")


# ----------------------------------------------------------------------------- library


def test_parse_text_fasta_and_bare_sequence():
    proteins = pred.parse_text(">sp|P1|A_HUMAN alpha GN=A\nmkv ll\n\n>P2 second\nGGGG*\n")
    assert [(p.accession, p.entry_name, p.gene, p.sequence) for p in proteins] == [
        ("P1", "A_HUMAN", "A", "MKVLL"), ("P2", "", "", "GGGG")]
    bare = pred.parse_text("  MKV\r\nLLA  \n")
    assert [(p.accession, p.sequence) for p in bare] == [(pred.BARE_ACCESSION, "MKVLLA")]


@pytest.mark.parametrize("text, message", [
    ("", "empty input"), ("  \n ", "empty input"),
    ("MKVJLL", "the pasted sequence: invalid residue 'J' at position 4 (allowed: ACDEFGHIKLMNPQRSTVWYXBZUO"),
    (">P1\nMKV\n>P2\nMK1V", "record P2: invalid residue '1' at position 3"),
    (">P1\nMKV\n>P1\nMKV", "record P1: duplicate id"),
    (">P1\n\n>P2\nMKV", "record P1: empty sequence"),
])
def test_parse_text_rejects_bad_input(text, message):
    with pytest.raises(NesscanError, match=message.replace("(", r"\(")):
        pred.parse_text(text)


def test_parse_text_limits():
    with pytest.raises(pred.TooLarge, match="more than the limit of 10,000"):
        pred.parse_text("A" * (pred.MAX_SEQUENCE_LENGTH + 1))
    assert len(pred.parse_text("A" * pred.MAX_SEQUENCE_LENGTH)[0].sequence) == pred.MAX_SEQUENCE_LENGTH
    with pytest.raises(pred.TooLarge, match="more than 100 records"):
        pred.parse_text("".join(f">P{i}\nMKV\n" for i in range(pred.MAX_RECORDS + 1)))
    with pytest.raises(pred.TooLarge, match="residues in all"):
        pred.parse_text("".join(f">P{i}\n{'A' * 9000}\n" for i in range(12)))


def test_residue_track_is_the_max_of_covering_windows():
    rng = np.random.default_rng(0)
    scores, window = rng.random(30), 5
    track = pred.residue_track(scores, window)
    assert len(track) == 30 + window - 1
    for r in range(len(track)):  # residue r (0-based) is covered by windows r-window+1 .. r
        assert track[r] == scores[max(r - window + 1, 0):r + 1].max()
    assert len(pred.residue_track(np.zeros(0), window)) == 0


def test_predict_calls_the_known_nes_of_pki_alpha():
    from nesscan.predictor import Predictor

    model = Predictor.load(FORMER_DEFAULT)  # the shipped default's call of PKI-alpha: tests/test_flat.py
    (p,) = pred.predict(FASTA, model)
    assert p.status == "ok" and len(p.scores) == 76 - 22 + 1 and len(p.track) == 76
    assert [(c["start"], c["end"], c["known_nes"], c["nes_class"], c["anchors"]) for c in p.candidates] == [
        (30, 51, True, "1a", "38,42,45,47")]
    assert p.known == [{"start": 36, "end": 50, "nes_ids": "PKIα (NES ID: 5)", "via": "same accession"}]
    assert p.candidates[0]["known_nes_via"] == "same accession"
    assert p.candidates[0]["call"] == "not called" and p.candidates[0]["call_p_value"] is None  # no reference nulls
    assert p.track.max() == p.scores.max() >= model.threshold
    (high,) = pred.predict(FASTA, model, threshold=0.99)
    assert high.candidates == [] and high.threshold == 0.99


# ----------------------------------------------------------------------------- JSON API


def test_health(client):
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["model"]["window"] == 22 and data["screens"] == []
    assert data["limits"]["max_sequence_length"] == pred.MAX_SEQUENCE_LENGTH


def test_api_predict(client):
    r = client.post("/api/predict", json={"sequence": FASTA})
    assert r.status_code == 200
    (p,) = r.json()["proteins"]
    assert (p["accession"], p["gene"], p["length"], p["status"]) == ("P61925", "PKIA", 76, "ok")
    assert len(p["window_scores"]) == 55 and len(p["residue_scores"]) == 76
    (c,) = p["candidates"]
    assert (c["start"], c["end"], c["known_nes"], c["nes_class"]) == (30, 51, True, "1a")
    plain = client.post("/api/predict", content=FASTA, headers={"content-type": "text/plain"}).json()
    assert plain["proteins"][0]["window_scores"] == p["window_scores"]
    short = client.post("/api/predict", json={"sequence": ">tiny\nMKVLL"}).json()["proteins"][0]
    assert (short["status"], short["candidates"], short["window_scores"], short["max_score"]) == (
        "shorter_than_window", [], [], None)


def test_api_predict_csv(client):
    r = client.post("/api/predict?format=csv", json={"sequence": FASTA})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(__import__("io").StringIO(r.text))
    assert table[["start", "end", "nes_class"]].values.tolist() == [[30, 51, "1a"]]
    r = client.post("/api/predict?format=csv&table=residues", json={"sequence": FASTA})
    residues = pd.read_csv(__import__("io").StringIO(r.text))
    assert len(residues) == 76 and residues.in_candidate.sum() == 22
    assert "".join(residues.residue) == PKIA[3]


@pytest.mark.parametrize("kwargs, status, message", [
    (dict(json={"sequence": ""}), 422, "empty input"),
    (dict(json={"sequence": "MKVJ"}), 422, "the pasted sequence: invalid residue 'J' at position 4"),
    (dict(json={"sequence": "MKV", "threshold": 2}), 422, "threshold must be between 0 and 1"),
    (dict(json={"sequence": "MKV", "threshold": "high"}), 422, "threshold must be a number"),
    (dict(json={"seq": "MKV"}), 400, '"sequence" string'),
    (dict(json=["MKV"]), 400, '"sequence" string'),
    (dict(content="{not json", headers={"content-type": "application/json"}), 400, "not valid JSON"),
    (dict(json={"sequence": "A" * 10_001}), 413, "more than the limit of 10,000"),
])
def test_api_predict_errors(client, kwargs, status, message):
    r = client.post("/api/predict", **kwargs)
    assert r.status_code == status
    assert message in r.json()["error"]


def test_body_limit(tmp_path):
    small = TestClient(create_app(max_body_bytes=1000), raise_server_exceptions=False, base_url="http://localhost")
    r = small.post("/api/predict", json={"sequence": "A" * 2000})
    assert r.status_code == 413 and "over the limit of 1,000 bytes" in r.json()["error"]

    def chunks():  # no Content-Length: the body is counted as it streams in
        for _ in range(5):
            yield b"A" * 400

    r = small.post("/api/predict", content=chunks(), headers={"content-type": "text/plain"})
    assert r.status_code == 413 and "over the limit" in r.json()["error"]
    page = small.post("/", data={"sequence": "A" * 2000})
    assert page.status_code == 413 and 'role="alert"' in page.text and "over the limit of 1,000 bytes" in page.text
    assert small.post("/api/predict", json={"sequence": "A" * 100}).status_code == 200


def test_unknown_paths_and_methods(client):
    assert client.get("/api/nothing").json() == {"error": "no page at /api/nothing"}
    r = client.get("/nothing")
    assert r.status_code == 404 and "no page at /nothing" in r.text
    assert client.get("/api/predict").status_code == 405
    r = client.get("/api/candidates")
    assert r.status_code == 404 and "no screen loaded" in r.json()["error"]


# ----------------------------------------------------------------------------- pages


def test_predict_page(client):
    r = client.get("/")
    assert r.status_code == 200 and '<textarea id="sequence"' in r.text
    r = client.post("/", data={"sequence": FASTA})
    assert r.status_code == 200
    assert 'class="nes-window" data-start="30" data-end="51"' in r.text
    assert 'class="known-nes" data-start="36" data-end="50"' in r.text
    assert r.text.count('class="anchor"') == 4 and "1 candidate NES" in r.text


@pytest.mark.parametrize("text, message", [
    ("", "empty input: paste a protein sequence or FASTA records"),
    ("MKV<b>1</b>", "invalid residue &#39;&lt;&#39; at position 4"),
])
def test_predict_page_errors(client, text, message):
    r = client.post("/", data={"sequence": text})
    assert r.status_code == 422
    assert '<p class="message error" role="alert" id="error">' in r.text
    assert message in r.text and "<b>1</b>" not in r.text  # escaped, kept in the text box


def test_predict_page_csv(client):
    r = client.post("/predict.csv", data={"sequence": FASTA, "table": "candidates"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.text.splitlines()[1].startswith("P61925,IPKA_HUMAN,PKIA,30,51,SASGNSNELALKLAGLDINKTE")


# ----------------------------------------------------------------------------- the mutation box


def test_the_mutation_box_shows_the_variant_row_and_the_mutant_track(client):
    from nesscan.io.fasta import iter_fasta
    from nesscan.variants.mutate import score_variants
    from nesscan.variants.table import VariantInput

    model = client.app.state.nesscan.model
    protein = next(iter_fasta(io.StringIO(FASTA)))
    r = client.post("/", data={"sequence": FASTA, "mutate": "P61925", "variant": "p.[L42A;L45A]",
                               "action": "variant"})
    assert r.status_code == 200 and 'class="nes-window" data-start="30" data-end="51"' in r.text
    assert r.text.count('class="track-mutant"') == 1 and "mutant p.[L42A;L45A]" in r.text
    # the row nesscan mutate --rescoring whole writes for the same variant, three-letter form
    row = score_variants([protein], [VariantInput(1, "P61925", "p.[Leu42Ala;Leu45Ala]")], model,
                         method="whole").table.iloc[0]
    assert row.best_score_after < row.best_score_before  # two anchors of PKI-alpha's NES gone
    assert (f"{row.best_start_before}-{row.best_end_before} {row.best_score_before:.3f} → "
            f"{row.best_start_after}-{row.best_end_after} {row.best_score_after:.3f}") in r.text
    assert f"{row.n_candidates_before} → {row.n_candidates_after}" in r.text


def test_the_mutation_box_scans_the_best_candidate(client):
    from nesscan.design import alanine_scan
    from nesscan.io.fasta import iter_fasta

    model = client.app.state.nesscan.model
    r = client.post("/", data={"sequence": FASTA, "mutate": "P61925", "action": "scan"})
    assert r.status_code == 200 and "Alanine scan of 30-51" in r.text
    scan = alanine_scan(next(iter_fasta(io.StringIO(FASTA))), 30, 51, model)
    assert len(scan) == 22 - PKIA[3][29:51].count("A")
    deltas = {int(p): float(d) for p, d in re.findall(r'data-position="(\d+)" data-delta="([-0-9.e]+)"', r.text)}
    assert deltas.keys() == set(scan.position)
    assert all(abs(deltas[p] - d) < 1e-4 for p, d in zip(scan.position, scan.delta))
    assert r.text.count('class="bar anchor"') == int(scan.anchor.sum()) > 0


def test_the_saturation_scan_is_a_heat_map_of_every_substitution(client):
    from nesscan.design import saturation_scan
    from nesscan.io.fasta import iter_fasta

    model = client.app.state.nesscan.model
    r = client.post("/", data={"sequence": FASTA, "mutate": "P61925", "action": "saturation",
                               "scan_range": "38-47"})
    assert r.status_code == 200 and "Saturation scan of 38-47" in r.text
    cells = re.findall(r'class="cell" data-position="(\d+)" data-mut="([A-Z])" data-delta="([-0-9.e]+)"', r.text)
    assert len(cells) == 10 * 19 and r.text.count('class="wild-type"') == 10
    scan = saturation_scan(next(iter_fasta(io.StringIO(FASTA))), 38, 47, model)
    expected = {(int(p), m): float(d) for p, m, d in zip(scan.position, scan.mut, scan.delta)}
    assert all(abs(expected[(int(p), m)] - float(d)) < 1e-4 for p, m, d in cells)
    body = client.post("/api/mutate", json={"sequence": FASTA, "scan": "38-39", "saturation": True}).json()
    assert body["scan"]["residues"] == "ACDEFGHIKLMNPQRSTVWY" and len(body["scan"]["rows"]) == 2 * 19


@pytest.mark.parametrize("data, message", [
    ({"variant": "p.Lys42Ala"}, "reference mismatch: residue 42 of P61925 is L, not K"),
    ({"variant": "p.Leu99Ala"}, "past the end"),
    ({"variant": "p.L42del"}, "one-letter code is read for substitutions only"),
    ({"variant": ""}, "type a variant"),
    ({"action": "scan", "scan_range": "40-20"}, "give START-END"),
    ({"action": "scan", "scan_range": "40-120"}, "outside the protein"),
])
def test_the_mutation_box_errors_are_one_line_and_keep_the_results(client, data, message):
    r = client.post("/", data={"sequence": FASTA, "mutate": "P61925", "action": "variant", **data})
    assert r.status_code == 422 and 'class="nes-window" data-start="30" data-end="51"' in r.text
    alerts = re.findall(r'<p class="message error" role="alert">([^<]*)</p>', r.text)
    assert len(alerts) == 1 and message in html.unescape(alerts[0])


def test_api_mutate(client):
    r = client.post("/api/mutate", json={"sequence": FASTA, "variant": "p.L38A", "scan": "38-47"})
    assert r.status_code == 200
    body = r.json()
    assert body["accession"] == "P61925" and body["wild_type"]["candidates"][0]["start"] == 30
    assert body["variant"]["variant"] == "p.L38A" and body["variant"]["status"] == "scored"
    assert body["mutant_sequence"][37] == "A" and len(body["residue_scores_after"]) == len(PKIA[3])
    model = client.app.state.nesscan.model  # the track is the whole mutant's, scored once by score_variants
    whole = pred.residue_track(model.score_proteins([Protein("M", body["mutant_sequence"])])[0], model.window)
    assert np.allclose(body["residue_scores_after"], whole, atol=1e-6)
    assert [row["position"] for row in body["scan"]["rows"]] == [38, 40, 41, 42, 44, 45, 46, 47]  # A39, A43 skipped
    r = client.post("/api/mutate", json={"sequence": FASTA, "variant": "p.Lys38Ala"})
    assert r.status_code == 422 and "reference mismatch" in r.json()["error"]
    assert client.post("/api/mutate", json={"sequence": FASTA}).status_code == 400
    assert client.post("/api/mutate", json={"sequence": FASTA, "variant": "p.L38A",
                                            "accession": "Q0"}).status_code == 422


# ----------------------------------------------------------------------------- screens


def test_browse_sorts_and_filters(screen_client, screen_dir):
    cands = pd.read_csv(screen_dir / "candidates.csv")
    api = screen_client.get("/api/candidates").json()
    assert api["total"] == len(cands) >= 4
    assert [r["score"] for r in api["rows"]] == sorted(cands.score, reverse=True)
    by_acc = screen_client.get("/api/candidates?sort=accession&order=asc").json()["rows"]
    assert [r["accession"] for r in by_acc] == sorted(cands.accession)
    known = screen_client.get("/api/candidates?status=known").json()["rows"]
    assert [r["accession"] for r in known] == ["P61925"]
    assert screen_client.get("/api/candidates?status=novel").json()["total"] == len(cands) - 1
    assert screen_client.get("/api/candidates?q=tst2").json()["rows"][0]["gene"] == "TST2"
    assert screen_client.get("/api/candidates?class=1a").json()["total"] == int((cands.nes_class == "1a").sum())
    assert screen_client.get("/api/candidates?limit=2&offset=1").json()["rows"] == api["rows"][1:3]
    r = screen_client.get("/api/candidates?max_q=lots")
    assert r.status_code == 422 and "max_q must be a number" in r.json()["error"]

    page = screen_client.get("/browse?sort=accession&order=asc&call=all")
    assert page.status_code == 200
    order = [line.split(">")[1].split("<")[0] for line in page.text.split('class="protein-link"')[1:]]
    assert order == sorted(cands.accession)
    assert 'class="badge known"' in page.text and 'class="badge novel"' in page.text
    bad = screen_client.get("/browse?min_score=x")
    assert bad.status_code == 422 and "min_score must be a number" in bad.text
    csv = screen_client.get("/browse.csv?status=known")
    assert csv.status_code == 200 and csv.text.count("\n") == 2


def test_browse_opens_on_the_calls(screen_client, screen_dir):
    """The browse page opens filtered to the default call; "all candidates" shows the rest, and
    the CSV download and sort links keep the filter the page shows."""
    cands = pd.read_csv(screen_dir / "candidates.csv")
    called = cands[cands.call == "called"]
    page = screen_client.get("/browse").text
    assert page.count('class="protein-link"') == len(called)
    assert f'<strong id="matching">{len(called):,}</strong> of {len(cands):,} candidates' in page
    assert '<option value="called" selected>' in page and "call=called" in page
    everything = screen_client.get("/browse?call=all").text
    assert everything.count('class="protein-link"') == len(cands) and '<option value="all" selected>' in everything
    csv = screen_client.get("/browse.csv?call=called")
    assert csv.status_code == 200 and csv.text.count("\n") == len(called) + 1
    api = screen_client.get("/api/candidates").json()  # the API returns every candidate unless asked
    assert api["total"] == len(cands) and api["columns"][:2] == ["call", "call_q_value"]
    assert screen_client.get("/api/candidates?call=called").json()["total"] == len(called)
    bad = screen_client.get("/browse?call=some")
    assert bad.status_code == 422 and "call must be " in bad.text


def test_browse_pages(screen_client, screen_dir):
    state = screen_client.app.state.nesscan
    state.page_rows = 2
    try:
        first = screen_client.get("/browse?call=all").text
        assert "page 1 of 3" in first and first.count('class="protein-link"') == 2
        assert screen_client.get("/browse?page=3&call=all").text.count('class="protein-link"') == 1
    finally:
        state.page_rows = 100


def test_protein_page_and_api(screen_client, screen_dir):
    windows = pd.read_parquet(screen_dir / "windows.parquet")
    mine = windows[windows.accession == "P61925"].sort_values("start")
    data = screen_client.get("/api/protein/P61925").json()
    assert data["length"] == 76 and data["sequence"] == PKIA[3]
    assert data["window_scores"] == pytest.approx(mine.score.tolist(), abs=1e-6)
    assert [(c["start"], c["known_nes"]) for c in data["candidates"]] == [(30, True)]
    page = screen_client.get("/protein/P61925")
    assert page.status_code == 200 and 'class="nes-window" data-start="30" data-end="51"' in page.text
    assert "SASGNSNELALKLAGLDINKTE"[:5] in page.text
    missing = screen_client.get("/protein/NOPE")
    assert missing.status_code == 404 and "NOPE is not in screen screen" in missing.text
    assert screen_client.get("/api/protein/NOPE?screen=other").json()["error"].startswith("no screen named 'other'")


def test_run_folder_with_two_proteomes_and_structure(screen_dir, tmp_path):
    run = tmp_path / "run"
    for name in ("human", "yeast"):
        shutil.copytree(screen_dir, run / "screen" / name)
    table = pd.read_csv(screen_dir / "candidates.csv")
    table["plddt_window"] = np.linspace(90, 40, len(table))
    table["structure_status"] = "ok"
    table["structure_explanation"] = "buried helix"
    table.to_csv(run / "screen" / "yeast" / "structure.csv", index=False)
    c = TestClient(create_app(screen_dir=run), raise_server_exceptions=False, base_url="http://localhost")
    screens = {s["name"]: s for s in c.get("/api/screens").json()}
    assert set(screens) == {"human", "yeast"}
    assert screens["yeast"]["table"] == "structure.csv" and "plddt_window" in screens["yeast"]["columns"]
    assert screens["human"]["table"] == "candidates.csv"
    rows = c.get("/api/candidates?screen=yeast&sort=plddt_window&order=asc").json()["rows"]
    assert [r["plddt_window"] for r in rows] == sorted(table.plddt_window)
    page = c.get("/browse?screen=yeast").text
    assert "pLDDT" in page and 'option value="human"' in page and "with structure columns" in page


def test_screen_folder_errors(tmp_path):
    from nesscan.cli import main

    with pytest.raises(NesscanError, match="neither a screen folder"):
        create_app(screen_dir=tmp_path)
    assert main(["serve", "--screen", str(tmp_path / "absent")]) == 1


def test_json_has_no_nan(screen_client):
    text = screen_client.get("/api/candidates").text
    json.loads(text)  # NaN is not JSON
    assert "NaN" not in text


# ----------------------------------------------------------------------------- hardening (issue 13)


def test_head_answers_like_get(client):
    for path in ("/", "/api", "/api/health", "/browse"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b""
    assert client.head("/").status_code == 200


@pytest.mark.parametrize("host, status", [
    ("localhost", 200), ("localhost:8000", 200), ("127.0.0.1", 200), ("127.0.0.1:8000", 200),
    ("[::1]", 200), ("[::1]:8000", 200), ("LOCALHOST:80", 200),
    ("evil.example.com", 400), ("evil.example.com:8000", 400), ("127.0.0.1.evil.example.com", 400),
    ("localhost.evil.com", 400), ("testserver", 400),
])
def test_host_header_must_be_a_loopback_name(client, host, status):
    """DNS rebinding: a page of another site that points its name at 127.0.0.1 gets nothing."""
    assert client.get("/api/health", headers={"host": host}).status_code == status
    assert client.post("/api/predict", json={"sequence": FASTA}, headers={"host": host}).status_code == status


def test_allowed_hosts_follow_the_bound_address():
    import socket

    from nesscan.web.server import allowed_hosts

    assert allowed_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "[::1]"]
    assert allowed_hosts("::1") == ["localhost", "127.0.0.1", "[::1]"]
    assert allowed_hosts("10.1.2.3")[-1] == "10.1.2.3"
    assert allowed_hosts("fe80::1")[-1] == "[fe80::1]"
    assert socket.gethostname().lower() in allowed_hosts("0.0.0.0")
    assert allowed_hosts("127.0.0.1", ["NES.example.org"])[-1] == "nes.example.org"
    lan = TestClient(create_app(allowed_hosts=allowed_hosts("10.1.2.3")), base_url="http://10.1.2.3:8000")
    assert lan.get("/api/health").status_code == 200
    assert lan.get("/api/health", headers={"host": "evil.example.com"}).status_code == 400
    anyhost = TestClient(create_app(allowed_hosts=["*"]), base_url="http://nes.example.org")
    assert anyhost.get("/api/health").status_code == 200


def test_health_shows_no_filesystem_path():
    from nesscan.model.store import default_model_dir

    client = TestClient(create_app(), raise_server_exceptions=False, base_url="http://localhost")  # the shipped one
    text = client.get("/api/health").text
    model = client.get("/api/health").json()["model"]
    assert str(default_model_dir()) not in text and "/" not in model["name"] and "path" not in model
    assert model["name"] == "default" and len(model["weights_sha256"]) == 64
    predicted = client.post("/api/predict", json={"sequence": FASTA}).json()["model"]
    assert predicted == model


def test_the_pages_name_the_model_that_scores():
    """The shipped default is the window-feature ensemble, not the name of its pLDDT track."""
    client = TestClient(create_app(), raise_server_exceptions=False, base_url="http://localhost")
    page = client.get("/").text
    assert "window features" in page and "metapredict_plddt model" not in page
    assert client.get("/api/health").json()["model"]["family"] == "ensemble"
    former = TestClient(create_app(FORMER_DEFAULT), raise_server_exceptions=False, base_url="http://localhost")
    assert "physchem embedding, Transformer classifier" in former.get("/").text
