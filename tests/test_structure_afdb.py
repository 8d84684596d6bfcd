"""AlphaFold DB models: local folders, and downloads from a local HTTP server (never the network)."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pandas as pd
import pytest

from nesscan.fetch.alphafold import fetch_models
from nesscan.structure.afdb import index_models, parse_model_name


class _AfdbHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``/api/prediction/ACC`` (AlphaFold DB's JSON) and ``/files/NAME`` from a folder.

    Class attributes set per server: ``root`` (the folder), ``api`` (serve the API?),
    ``fail_first`` (answer 503 to that many requests first), ``log`` (paths requested)."""

    root: Path
    api = True
    fail_first = 0
    log: list

    def do_GET(self) -> None:  # noqa: N802
        cls = type(self)
        cls.log.append(self.path)
        if cls.fail_first > 0:
            cls.fail_first -= 1
            self.send_error(503)
            return
        body = None
        if self.path.startswith("/api/prediction/") and cls.api:
            acc = self.path.rsplit("/", 1)[-1]
            hits = [p for p in sorted(cls.root.glob(f"AF-{acc}-F1*"))]
            if hits:
                host = f"http://127.0.0.1:{self.server.server_address[1]}"
                body = json.dumps([{"entryId": f"AF-{acc}-F1", "uniprotAccession": acc,
                                    "pdbUrl": f"{host}/files/{hits[0].name}"}]).encode()
        elif self.path.startswith("/files/"):
            path = cls.root / self.path.removeprefix("/files/")
            if path.is_file():
                body = path.read_bytes()
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(data_dir: Path, monkeypatch):
    """A local AlphaFold DB serving ../shared/data/structures; yields (base URL, handler class)."""
    import nesscan.fetch.http

    monkeypatch.setattr(nesscan.fetch.http, "BACKOFF_S", 0.01)
    handler = type("Handler", (_AfdbHandler,), {"root": data_dir / "structures", "log": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_model_names(tmp_path: Path) -> None:
    assert parse_model_name("AF-P55265-F12-model_v4.cif.gz") == ("P55265", 12, 4)
    assert parse_model_name("P55265.pdb") is None
    for name in ("AF-P1-F2-model_v3.pdb", "AF-P1-F2-model_v4.cif", "AF-P1-F1.cif", "AF-P1-F1.pdb.gz", "x.pdb"):
        (tmp_path / name).write_text("")
    assert index_models(tmp_path) == {"P1": [tmp_path / "AF-P1-F1.pdb.gz", tmp_path / "AF-P1-F2-model_v4.cif"]}


def test_download_through_the_api_with_retries_and_cache(server, tmp_path: Path) -> None:
    base, handler = server
    handler.fail_first = 2  # the server fails twice (HTTP 503), then answers
    got = fetch_models(["O00311", "Q99999"], cache=tmp_path, base_url=base)
    assert got["O00311"] == [tmp_path / "AF-O00311-F1-model_v4.pdb"] and got["Q99999"] == []
    assert got["O00311"][0].read_bytes() == (handler.root / "AF-O00311-F1-model_v4.pdb").read_bytes()
    assert handler.log[:3] == ["/api/prediction/O00311"] * 3
    handler.log.clear()
    assert fetch_models(["O00311"], cache=tmp_path, base_url=base)["O00311"] == got["O00311"]
    assert handler.log == []  # cached: nothing asked


def test_download_from_a_plain_file_mirror(server, tmp_path: Path, monkeypatch) -> None:
    """No prediction API (a mirror of files): the model_v<N>.pdb names are tried; the base URL
    comes from $NESSCAN_AFDB_URL."""
    base, handler = server
    handler.api = False
    monkeypatch.setenv("NESSCAN_AFDB_URL", base)
    got = fetch_models(["P55265"], cache=tmp_path)
    assert got["P55265"] == [tmp_path / "AF-P55265-F1-model_v4.pdb"]
    assert handler.log[-1] == "/files/AF-P55265-F1-model_v4.pdb"


def test_failed_download_is_one_clear_error(server, tmp_path: Path) -> None:
    from nesscan.errors import NesscanError

    base, handler = server
    handler.fail_first = 10_000
    with pytest.raises(NesscanError, match="download failed after 5 attempts"):
        fetch_models(["O00311"], cache=tmp_path, base_url=base)


def test_corrupt_downloads_are_refused_and_deleted(server, tmp_path: Path, data_dir: Path) -> None:
    """Models that do not parse are deleted, reported through ``refused`` and map to ``[]``,
    like missing ones; the other accessions are still fetched; a later good file is fetched."""
    base, handler = server
    real = data_dir / "structures"
    handler.root = tmp_path / "server"
    handler.root.mkdir()
    pdb = (real / "AF-O00311-F1-model_v4.pdb").read_bytes()
    (handler.root / "AF-O00311-F1-model_v4.pdb").write_bytes(pdb[: len(pdb) // 2])  # cut mid-file
    (handler.root / "AF-Q7Z6M3-F1.cif").write_bytes(b"data_AF-Q7Z6M3-F1\n#\nloop_\n_atom_site.id\n1\n")
    (handler.root / "AF-P55265-F1-model_v4.pdb").write_bytes((real / "AF-P55265-F1-model_v4.pdb").read_bytes())
    cache = tmp_path / "cache"
    refused: dict[str, str] = {}
    got = fetch_models(["O00311", "Q7Z6M3", "P55265", "Q99999"], cache=cache, base_url=base,
                       refused=refused.__setitem__)
    assert got == {"O00311": [], "Q7Z6M3": [], "P55265": [cache / "AF-P55265-F1-model_v4.pdb"], "Q99999": []}
    assert list(refused) == ["O00311", "Q7Z6M3"]
    assert refused["O00311"] == (f"{base}/files/AF-O00311-F1-model_v4.pdb: truncated PDB file (no END record) "
                                 "(the download was deleted)")
    assert refused["Q7Z6M3"].startswith(f"{base}/files/AF-Q7Z6M3-F1.cif: ")
    assert "\n" not in refused["Q7Z6M3"] and refused["Q7Z6M3"].endswith("(the download was deleted)")
    assert [p.name for p in cache.rglob("*") if p.is_file()] == ["AF-P55265-F1-model_v4.pdb"]
    # without a callback the result is the same (and nothing raised); then the server is fixed
    assert fetch_models(["O00311"], cache=cache, base_url=base) == {"O00311": []}
    (handler.root / "AF-O00311-F1-model_v4.pdb").write_bytes(pdb)
    got = fetch_models(["O00311"], cache=cache, base_url=base, refused=refused.__setitem__)
    assert got == {"O00311": [cache / "AF-O00311-F1-model_v4.pdb"]}
    assert got["O00311"][0].read_bytes() == pdb


def test_annotate_with_download(server, tmp_path: Path, data_dir: Path) -> None:
    from nesscan.structure import annotate_structures
    from nesscan.structure.residues import residue_profile

    base, _ = server
    cdc7 = residue_profile(data_dir / "structures" / "AF-O00311-F1-model_v4.pdb").sequence
    table = pd.DataFrame([{"accession": "O00311", "start": 452, "end": 473, "sequence": cdc7[451:473],
                           "score": 0.9}, {"accession": "Q99999", "start": 1, "end": 22,
                                           "sequence": "A" * 22, "score": 0.9}])
    out = annotate_structures(table, None, download=True, cache=tmp_path / "cache", base_url=base)
    assert list(out.structure_status) == ["ok", "missing_model;predicted_plddt"]


def test_annotate_flags_a_refused_download_as_corrupt(server, tmp_path: Path, data_dir: Path) -> None:
    """A downloaded model that does not parse is deleted and its candidates say why
    (``corrupt_model`` with the reason), unlike an accession with no model."""
    from nesscan.structure import annotate_structures

    base, handler = server
    handler.root = tmp_path / "server"
    handler.root.mkdir()
    pdb = (data_dir / "structures" / "AF-O00311-F1-model_v4.pdb").read_bytes()
    (handler.root / "AF-O00311-F1-model_v4.pdb").write_bytes(pdb[: len(pdb) // 3])
    table = pd.DataFrame([{"accession": "O00311", "start": 452, "end": 473, "sequence": "A" * 22, "score": 0.9},
                          {"accession": "Q99999", "start": 1, "end": 22, "sequence": "A" * 22, "score": 0.9}])
    out = annotate_structures(table, None, download=True, cache=tmp_path / "cache", base_url=base)
    assert list(out.structure_status) == ["corrupt_model;predicted_plddt", "missing_model;predicted_plddt"]
    assert "truncated PDB file" in out.structure_note[0]
    assert out.combined_score.notna().all()  # scored with the neutral prior, never dropped
