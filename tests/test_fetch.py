"""``nesscan fetch`` against a local server replaying UniProt, Hugging Face hub and AlphaFold DB
responses in their real formats (headers included). No test touches the network."""

from __future__ import annotations

import ast
import csv
import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from esm_tiny import make_tiny_esm2
from http_replay import ReplayServer

from nesscan.fetch import http as download
from nesscan.cli import main

RELEASE = {"X-UniProt-Release": "2024_03", "X-UniProt-Release-Date": "27-March-2024"}
CURSORS = ("1mkbtjs8hk2ef", "2p3xq9qz0aa1b", "3zz8e1k2m0q4c")


@pytest.fixture(autouse=True)
def offline_env(monkeypatch, tmp_path):
    """No backoff waits; cache in tmp; every base URL unroutable unless a test sets it."""
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    monkeypatch.setenv("NESSCAN_CACHE", str(tmp_path / "cache"))
    for var in ("NESSCAN_UNIPROT_URL", "NESSCAN_HF_URL", "NESSCAN_AFDB_URL"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # discard port: refused, never the internet


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


def _run(argv, capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def serve_uniprot_pages(server: ReplayServer, query: dict[str, str], bodies: list[bytes], total: int,
                        content_type: str) -> list[dict[str, str]]:
    """Register ``bodies`` as the pages of a UniProt search, linked by cursors as UniProt does."""
    queries = [query] + [{**query, "cursor": c} for c in CURSORS[: len(bodies) - 1]]
    for i, body in enumerate(bodies):
        headers = {"Content-Type": content_type, "X-Total-Results": str(total), **RELEASE}
        if i + 1 < len(bodies):
            headers["Link"] = f'<{server.url("/uniprotkb/search", queries[i + 1])}>; rel="next"'
        server.add("/uniprotkb/search", body, query=queries[i], headers=headers)
    return queries


# ------------------------------------------------------------------------------ proteome

PROTEOME_Q = {"query": "proteome:UP000002311", "format": "fasta", "size": "8"}


def _fasta_records(path: Path) -> list[bytes]:
    text = path.read_bytes()
    assert text.startswith(b">")
    return [b">" + r for r in text[1:].split(b"\n>")]


@pytest.fixture
def proteome(server, tiny_data, monkeypatch):
    """tiny.fasta (20 UniProt records) as 3 pages of 8, 8 and 4 records."""
    records = [r if r.endswith(b"\n") else r + b"\n" for r in _fasta_records(tiny_data / "proteomes" / "tiny.fasta")]
    assert len(records) == 20
    pages = [b"".join(records[i:i + 8]) for i in range(0, 20, 8)]
    queries = serve_uniprot_pages(server, PROTEOME_Q, pages, 20, "text/plain;format=fasta")
    monkeypatch.setenv("NESSCAN_UNIPROT_URL", server.base_url)
    return b"".join(records), queries


def test_fetch_proteome_follows_the_cursor(proteome, server, tmp_path, capsys):
    expected, _ = proteome
    out = tmp_path / "yeast.fasta.gz"
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", out, "--page-size", "8"], capsys)
    assert code == 0, err
    assert "20 proteins of UP000002311 (UniProt release 2024_03)" in err
    assert gzip.decompress(out.read_bytes()) == expected
    assert [r.query.get("cursor") for r in server.hits("/uniprotkb/search")] == [None, *CURSORS[:2]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["yeast.fasta.gz"]  # work folder removed
    from nesscan.io.fasta import read_fasta

    assert len(read_fasta(out)) == 20


def test_interrupted_proteome_fetch_resumes_at_its_page(proteome, server, tmp_path, capsys):
    expected, queries = proteome
    out = tmp_path / "yeast.fasta.gz"
    server.fail("/uniprotkb/search", ("status", 503), ("status", 503), query=queries[2])
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", out, "--page-size", "8", "--retries", "1"], capsys)
    assert code == 1
    line = _one_line(err)
    assert line.startswith("nesscan fetch: error: http://127.0.0.1:") and f"cursor={CURSORS[1]}" in line
    assert "failed after 2 attempts (HTTP 503 Service Unavailable); the 2 pages received are kept in " in line
    assert line.endswith("run the same command again to continue")
    assert not out.exists()
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", out, "--page-size", "8"], capsys)
    assert code == 0, err
    assert gzip.decompress(out.read_bytes()) == expected
    cursors = [r.query.get("cursor") for r in server.hits("/uniprotkb/search")]
    assert cursors == [None, CURSORS[0], CURSORS[1], CURSORS[1], CURSORS[1]]  # pages 1-2 fetched once


def test_dropped_page_and_503_are_retried(proteome, server, tmp_path, capsys):
    expected, queries = proteome
    server.fail("/uniprotkb/search", ("status", 503), query=queries[0])
    server.fail("/uniprotkb/search", ("drop", 300), query=queries[1])
    out = tmp_path / "p.fasta"
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", out, "--page-size", "8"], capsys)
    assert code == 0, err
    assert out.read_bytes() == expected  # plain FASTA: no .gz suffix
    assert len(server.hits("/uniprotkb/search")) == 5


def test_html_instead_of_fasta_is_refused(proteome, server, tmp_path, capsys):
    _, queries = proteome
    server.fail("/uniprotkb/search", ("body", b"<!DOCTYPE html><html><body>Service maintenance</body></html>"),
                query=queries[1])
    out = tmp_path / "yeast.fasta.gz"
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", out, "--page-size", "8"], capsys)
    assert code == 1
    assert _one_line(err).endswith(
        "the response is not FASTA (it starts with '<!DOCTYPE html><html><body>Service maint')")
    assert not out.exists()


def test_truncated_fasta_record_is_refused(proteome, server, tmp_path, capsys):
    _, queries = proteome
    page = server.routes[("/uniprotkb/search", frozenset(queries[2].items()))].body
    server.fail("/uniprotkb/search", ("body", page + b">sp|P99999|CUT_YEAST Cut off\n"), query=queries[2])
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", tmp_path / "y.fa.gz", "--page-size", "8"], capsys)
    assert code == 1 and "the last FASTA record has no sequence" in _one_line(err)


def test_record_count_must_match_total_results(server, tiny_data, tmp_path, capsys, monkeypatch):
    records = _fasta_records(tiny_data / "proteomes" / "tiny.fasta")[:5]
    serve_uniprot_pages(server, {**PROTEOME_Q, "size": "500"}, [b"\n".join(records) + b"\n"], 6, "text/plain")
    monkeypatch.setenv("NESSCAN_UNIPROT_URL", server.base_url)
    out = tmp_path / "y.fasta.gz"
    code, err = _run(["fetch", "proteome", "UP000002311", "-o", out], capsys)
    assert code == 1
    assert "5 entries received but X-Total-Results said 6" in _one_line(err)
    assert not out.exists()


def test_bad_proteome_id(capsys):
    code, err = _run(["fetch", "proteome", "human"], capsys)
    assert code == 1 and "'human' is not a UniProt proteome id" in _one_line(err)


# ------------------------------------------------------------------------------ NES annotations

NES_Q = {"query": 'ft_motif:"nuclear export signal" AND reviewed:true', "format": "json",
         "fields": "accession,id,gene_names,organism_name,sequence,ft_motif", "size": "3"}


def _motif(start: int, end: int, codes=("ECO:0000269",), description="Nuclear export signal",
           start_mod="EXACT", pmid="15229649") -> dict:
    return {"type": "Motif", "description": description,
            "location": {"start": {"value": start, "modifier": start_mod}, "end": {"value": end, "modifier": "EXACT"}},
            "evidences": [{"evidenceCode": c, **({"source": "PubMed", "id": pmid} if c == "ECO:0000269" else {})}
                          for c in codes]}


@pytest.fixture
def nes_entries(tiny_data):
    """Five UniProt JSON entries built from the synthetic NESdb proteins, and the rows expected."""
    with open(tiny_data / "nesdb" / "NesDB_all_CRM1_with_peptides.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    entries, expected = [], []
    for i, row in enumerate(rows[4:9]):  # protein 4 has two rows: take its first only
        acc = row["Fasta Header"].split("|")[1]
        seq = row["Sequence"]
        (s, e), *_ = ast.literal_eval(row["Merged ranges"])
        features = [_motif(s, e)]
        if i == 1:  # ECO:0000255 (sequence analysis) only: not experimental
            features = [_motif(s, e, codes=("ECO:0000255",))]
        if i == 2:  # a second, experimental NES plus unrelated motifs
            features += [_motif(1, 9, codes=("ECO:0000269", "ECO:0000250"), description="Nuclear export signal 2",
                                pmid="9"), _motif(20, 25, description="Nuclear localization signal")]
        if i == 3:  # an uncertain start
            features = [_motif(s, e, start_mod="UNSURE")]
        gene = row["Fasta Header"].split("GN=")[1].split()[0]
        entries.append({
            "entryType": "UniProtKB reviewed (Swiss-Prot)", "primaryAccession": acc,
            "uniProtkbId": f"{gene}_HUMAN",
            "organism": {"scientificName": "Homo sapiens", "commonName": "Human", "taxonId": 9606},
            "genes": [{"geneName": {"evidences": [], "value": gene}}],
            "sequence": {"value": seq, "length": len(seq), "molWeight": 110 * len(seq), "crc64": "0",
                         "md5": hashlib.md5(seq.encode()).hexdigest().upper()},
            "features": features})
        for f in features:
            codes = [x["evidenceCode"] for x in f["evidences"]]
            if f["description"].startswith("Nuclear export") and "ECO:0000269" in codes \
                    and f["location"]["start"]["modifier"] == "EXACT":
                a, b = f["location"]["start"]["value"], f["location"]["end"]["value"]
                expected.append([acc, f"{gene}_HUMAN", gene, "Homo sapiens", str(a), str(b), seq[a - 1:b],
                                 ";".join(codes), f["evidences"][0]["id"], seq])
    return entries, sorted(expected, key=lambda r: (r[0], int(r[4])))


def _serve_nes(server, entries, monkeypatch):
    pages = [json.dumps({"results": entries[i:i + 3]}).encode() for i in range(0, len(entries), 3)]
    monkeypatch.setenv("NESSCAN_UNIPROT_URL", server.base_url)
    return serve_uniprot_pages(server, NES_Q, pages, len(entries), "application/json")


def test_fetch_nes_annotations_table(server, nes_entries, tmp_path, capsys, monkeypatch):
    entries, expected = nes_entries
    _serve_nes(server, entries, monkeypatch)
    out = tmp_path / "nes.tsv"
    code, err = _run(["fetch", "nes-annotations", "-o", out, "--page-size", "3"], capsys)
    assert code == 0, err
    assert "4 experimental NES motifs in 3 proteins (of 5 entries; 1 with uncertain ends skipped" in err
    with open(out, newline="") as fh:
        table = list(csv.reader(fh, delimiter="\t"))
    assert table[0] == ["accession", "entry_name", "gene", "organism", "start_1b", "end_1b", "nes", "evidence",
                        "pubmed", "sequence"]
    assert table[1:] == expected
    assert len(table) == 5


def test_nes_sequence_md5_mismatch_is_refused(server, nes_entries, tmp_path, capsys, monkeypatch):
    entries, _ = nes_entries
    entries[0]["sequence"]["value"] = entries[0]["sequence"]["value"][:-1] + "W"
    _serve_nes(server, entries, monkeypatch)
    out = tmp_path / "nes.tsv"
    code, err = _run(["fetch", "nes-annotations", "-o", out, "--page-size", "3"], capsys)
    assert code == 1
    assert f"entry {entries[0]['primaryAccession']}: missing sequence or sequence md5 mismatch" in _one_line(err)
    assert not out.exists()


def test_nes_truncated_json_is_refused(server, nes_entries, tmp_path, capsys, monkeypatch):
    entries, _ = nes_entries
    queries = _serve_nes(server, entries, monkeypatch)
    server.fail("/uniprotkb/search", ("body", b'{"results": [{"primaryAccession": "Q0'), query=queries[1])
    code, err = _run(["fetch", "nes-annotations", "-o", tmp_path / "nes.tsv", "--page-size", "3"], capsys)
    assert code == 1
    assert "the response is not UniProt JSON (it starts with '{\"results\": [{\"primaryAccession\": \"Q0')" \
        in _one_line(err)
    assert not (tmp_path / "nes.tsv").exists()


# ------------------------------------------------------------------------------ ESM-2 weights

HF_COMMIT = "c731040fc54be5ba7ec7d7ba4a6e8b9c0d2d8b11"


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture(scope="module")
def tiny_esm(tmp_path_factory) -> Path:
    return make_tiny_esm2(tmp_path_factory.mktemp("hub") / "esm2_t2_tiny")


def serve_hub(server: ReplayServer, model_dir: Path, repo: str = "facebook/esm2_t2_tiny",
              weights: str = "model.safetensors", linked_etag: str | None = None) -> str:
    """Serve ``model_dir`` as the hub does: small files 200 + git-SHA-1 ETag, LFS weights 302 to a CDN."""
    for f in sorted(model_dir.iterdir()):
        data = f.read_bytes()
        path = f"/{repo}/resolve/main/{f.name if f.suffix != '.safetensors' else weights}"
        if f.suffix == ".safetensors":
            sha = hashlib.sha256(data).hexdigest()
            cdn = f"/repos/7a/3f/{sha}"
            server.add(cdn, data, headers={"Content-Type": "binary/octet-stream", "ETag": f'"{sha}"'})
            server.add(path, b"", status=302, ranges=False, headers={
                "Location": server.url(cdn, {"response-content-disposition": f"inline; filename*=UTF-8''{weights}"}),
                "X-Linked-Etag": f'"{linked_etag or sha}"', "X-Linked-Size": str(len(data)), "ETag": f'"{sha}"',
                "X-Repo-Commit": HF_COMMIT, "Content-Type": "text/plain; charset=utf-8"})
        elif f.name == "vocab.txt":  # the hub now answers some small files with a relative 307
            cached = f"/api/resolve-cache/models/{repo}/{HF_COMMIT}/{f.name}"
            server.add(path, b"", status=307, ranges=False, headers={"Location": cached, "X-Repo-Commit": HF_COMMIT})
            server.add(cached, data, headers={"ETag": f'"{_git_sha1(data)}"', "X-Repo-Commit": HF_COMMIT,
                                              "Content-Type": "text/plain; charset=utf-8"})
        else:
            server.add(path, data, headers={"ETag": f'"{_git_sha1(data)}"', "X-Repo-Commit": HF_COMMIT,
                                            "Content-Type": "text/plain; charset=utf-8"})
    return f"/repos/7a/3f/{hashlib.sha256((model_dir / 'model.safetensors').read_bytes()).hexdigest()}"


def _same_files(a: Path, b: Path) -> None:
    for f in a.iterdir():
        assert (b / f.name).read_bytes() == f.read_bytes(), f.name


def test_fetch_esm2_into_the_cache_the_embedder_reads(server, tiny_esm, tmp_path, capsys, monkeypatch):
    serve_hub(server, tiny_esm)
    monkeypatch.setenv("NESSCAN_HF_URL", server.base_url)
    code, err = _run(["fetch", "esm2", "esm2_t2_tiny"], capsys)
    assert code == 0, err
    target = tmp_path / "cache" / "esm2" / "esm2_t2_tiny"
    assert f"-> {target}" in err
    _same_files(tiny_esm, target)
    record = json.loads((target / "nesscan_fetch.json").read_text())
    assert record["commit"] == HF_COMMIT and record["repo"] == "facebook/esm2_t2_tiny"
    assert record["files"]["vocab.txt"]["git_sha1"] == _git_sha1((tiny_esm / "vocab.txt").read_bytes())
    assert record["files"]["model.safetensors"]["sha256"] == \
        hashlib.sha256((tiny_esm / "model.safetensors").read_bytes()).hexdigest()
    assert sorted(p.name for p in target.parent.iterdir()) == ["esm2_t2_tiny"]  # no .partial left
    from nesscan.embed.esm2 import Esm2Embedder

    fetched = Esm2Embedder("esm2_t2_tiny")  # a name: resolved through $NESSCAN_CACHE/esm2
    assert fetched._location == str(target)
    seq = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"]
    np.testing.assert_array_equal(fetched.embed(seq)[0], Esm2Embedder(str(tiny_esm)).embed(seq)[0])
    # a second fetch finds it in the cache and asks the hub nothing
    n = len(server.requests)
    assert _run(["fetch", "esm2", "facebook/esm2_t2_tiny"], capsys)[0] == 0
    assert len(server.requests) == n


def test_interrupted_weights_download_resumes_with_range(server, tiny_esm, tmp_path, capsys, monkeypatch):
    cdn = serve_hub(server, tiny_esm)
    monkeypatch.setenv("NESSCAN_HF_URL", server.base_url)
    server.fail(cdn, ("drop", 50_000))
    code, err = _run(["fetch", "esm2", "esm2_t2_tiny", "--retries", "0"], capsys)
    assert code == 1
    line = _one_line(err)
    size = (tiny_esm / "model.safetensors").stat().st_size
    assert f"truncated: 50000 of {size} bytes" in line and "run again to resume" in line
    cache = tmp_path / "cache" / "esm2"
    assert not (cache / "esm2_t2_tiny").exists()  # a half-fetched model never looks complete
    assert (cache / ".esm2_t2_tiny.partial" / "model.safetensors.part").stat().st_size == 50_000
    code, err = _run(["fetch", "esm2", "esm2_t2_tiny", "--retries", "0"], capsys)
    assert code == 0, err
    gets = server.hits(cdn)
    assert "Range" not in gets[0].headers and gets[1].headers["Range"] == "bytes=50000-"
    _same_files(tiny_esm, cache / "esm2_t2_tiny")


def test_weights_checksum_mismatch_is_refused(server, tiny_esm, tmp_path, capsys, monkeypatch):
    wrong = "0" * 64
    serve_hub(server, tiny_esm, linked_etag=wrong)
    monkeypatch.setenv("NESSCAN_HF_URL", server.base_url)
    code, err = _run(["fetch", "esm2", "esm2_t2_tiny"], capsys)
    assert code == 1
    line = _one_line(err)
    real = hashlib.sha256((tiny_esm / "model.safetensors").read_bytes()).hexdigest()
    assert f"sha256 checksum mismatch (expected {wrong}, got {real})" in line
    assert "/resolve/main/model.safetensors" in line
    cache = tmp_path / "cache" / "esm2"
    assert not (cache / "esm2_t2_tiny").exists()
    assert not list((cache / ".esm2_t2_tiny.partial").glob("model.safetensors*"))


def test_corrupt_config_and_503_on_the_hub(server, tiny_esm, tmp_path, capsys, monkeypatch):
    serve_hub(server, tiny_esm)
    monkeypatch.setenv("NESSCAN_HF_URL", server.base_url)
    config = "/facebook/esm2_t2_tiny/resolve/main/config.json"
    good = (tiny_esm / "config.json").read_bytes()
    bad = good.replace(b'"num_hidden_layers": 2', b'"num_hidden_layers": 3')
    assert bad != good and len(bad) == len(good)
    # HEAD: 503, then retried (that request uses up the ("body", good) fault); GET: the corrupt body
    server.fail(config, ("status", 503), ("body", good), ("body", bad))
    code, err = _run(["fetch", "esm2", "esm2_t2_tiny"], capsys)
    assert code == 1
    assert f"git blob sha1 mismatch (expected {_git_sha1(good)}, got {_git_sha1(bad)})" in _one_line(err)
    assert len(server.hits(config, "HEAD")) == 2  # the 503 was retried
    code, err = _run(["fetch", "esm2", "esm2_t2_tiny"], capsys)  # the next run gets good bytes
    assert code == 0, err
    _same_files(tiny_esm, tmp_path / "cache" / "esm2" / "esm2_t2_tiny")


def test_pytorch_bin_when_no_safetensors_and_unknown_model(server, tiny_esm, tmp_path, capsys, monkeypatch):
    serve_hub(server, tiny_esm, repo="facebook/esm1_old", weights="pytorch_model.bin")
    monkeypatch.setenv("NESSCAN_HF_URL", server.base_url)
    assert _run(["fetch", "esm2", "esm1_old"], capsys)[0] == 0
    target = tmp_path / "cache" / "esm2" / "esm1_old"
    assert (target / "pytorch_model.bin").read_bytes() == (tiny_esm / "model.safetensors").read_bytes()
    assert not (target / "model.safetensors").exists()
    code, err = _run(["fetch", "esm2", "esm2_t99_nope"], capsys)
    assert code == 1
    assert "facebook/esm2_t99_nope not found on the hub" in _one_line(err)


# ------------------------------------------------------------------------------ AlphaFold DB

def _pdb_atoms() -> list[tuple[int, str, str]]:
    """(residue number, residue, atom) of a 5-residue backbone model ending in OXT, as AlphaFold writes."""
    atoms = [(i, res, a) for i, res in enumerate(["MET", "SER", "LEU", "LEU", "ILE"], 1) for a in ("N", "CA", "C", "O")]
    return atoms + [(5, "ILE", "OXT")]


PDB = "".join(
    f"ATOM  {n:5d}  {a:<3s} {res} A{i:4d}    {1.5 * n:8.3f}{0.0:8.3f}{0.0:8.3f}  1.00{80 + i:6.2f}"
    f"           {a[0]}  \n"
    for n, (i, res, a) in enumerate(_pdb_atoms(), 1)
) + "END\n"


def _afdb_entry(server, acc: str) -> dict:
    """The prediction API's JSON for one model (fields as served by alphafold.ebi.ac.uk/api)."""
    name = f"AF-{acc}-F1-model_v4"
    return {"entryId": f"AF-{acc}-F1", "gene": "CDC7", "uniprotAccession": acc, "uniprotId": "CDC7_HUMAN",
            "uniprotDescription": "Cell division cycle 7-related protein kinase", "taxId": 9606,
            "organismScientificName": "Homo sapiens", "uniprotStart": 1, "uniprotEnd": 5,
            "uniprotSequence": "MSLLI", "modelCreatedDate": "2022-06-01", "latestVersion": 4,
            "allVersions": [1, 2, 3, 4], "isReviewed": True, "isReferenceProteome": True,
            "cifUrl": server.url(f"/files/{name}.cif"), "bcifUrl": server.url(f"/files/{name}.bcif"),
            "pdbUrl": server.url(f"/files/{name}.pdb"),
            "paeImageUrl": server.url(f"/files/AF-{acc}-F1-predicted_aligned_error_v4.png"),
            "paeDocUrl": server.url(f"/files/AF-{acc}-F1-predicted_aligned_error_v4.json")}


def test_fetch_alphafold_models(server, tmp_path, capsys, monkeypatch):
    server.add("/api/prediction/O00311", json.dumps([_afdb_entry(server, "O00311")]),
               headers={"Content-Type": "application/json"})
    server.add("/files/AF-O00311-F1-model_v4.pdb", PDB, headers={"Content-Type": "chemical/x-pdb"})
    server.fail("/files/AF-O00311-F1-model_v4.pdb", ("drop", 100))
    monkeypatch.setenv("NESSCAN_AFDB_URL", server.base_url)
    code, err = _run(["fetch", "alphafold", "O00311", "P00000"], capsys)
    assert code == 0, err
    model = tmp_path / "cache" / "alphafold" / "AF-O00311-F1-model_v4.pdb"
    assert model.read_text() == PDB
    assert server.hits("/files/AF-O00311-F1-model_v4.pdb")[1].headers["Range"] == "bytes=100-"
    assert f"O00311: {model}" in err
    assert "1 of 2 accessions have a model; none in AlphaFold DB for P00000" in err


@pytest.mark.parametrize("body, reason", [
    (PDB[: len(PDB) // 2], "truncated PDB file (no END record)"),
    ("".join(x for x in PDB.splitlines(True) if " OXT " not in x), "last residue has no OXT atom (truncated?)"),
    ("<html><body>Service Unavailable</body></html>\n", "not a PDB file (an HTML page)"),
    ("\x00\x9c\xff garbage\nEND\n", "not a PDB file (no ATOM records)"),
])
def test_fetch_alphafold_refuses_a_corrupt_model(server, tmp_path, capsys, monkeypatch, body, reason):
    """A model body that does not parse as a complete structure is deleted and reported (exit 1);
    the next run fetches the good file."""
    server.add("/api/prediction/O00311", json.dumps([_afdb_entry(server, "O00311")]),
               headers={"Content-Type": "application/json"})
    server.add("/files/AF-O00311-F1-model_v4.pdb", PDB, headers={"Content-Type": "chemical/x-pdb"})
    server.fail("/files/AF-O00311-F1-model_v4.pdb", ("body", body.encode()))
    monkeypatch.setenv("NESSCAN_AFDB_URL", server.base_url)
    cache = tmp_path / "cache" / "alphafold"
    code, err = _run(["fetch", "alphafold", "O00311"], capsys)
    assert code == 1 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("nesscan fetch: error: corrupt AlphaFold DB model of O00311 refused: "
                           f"{server.base_url}/files/AF-O00311-F1-model_v4.pdb: "), line
    assert reason in line and line.endswith("(the download was deleted)")
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # nothing corrupt left in the cache
    code, err = _run(["fetch", "alphafold", "O00311"], capsys)
    assert code == 0, err
    assert (cache / "AF-O00311-F1-model_v4.pdb").read_text() == PDB
    assert [p.name for p in cache.rglob("*") if p.is_file()] == ["AF-O00311-F1-model_v4.pdb"]
