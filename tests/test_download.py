"""nesscan.fetch.http against a local replay server: resume, retries, checksums, atomic files."""

from __future__ import annotations

import hashlib
import os

import pytest
from http_replay import ReplayServer

from nesscan.fetch import http as dl
from nesscan.errors import NesscanError

BODY = bytes(range(256)) * 1000  # 256,000 bytes
SHA = hashlib.sha256(BODY).hexdigest()
MD5 = hashlib.md5(BODY).hexdigest()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(dl, "BACKOFF_S", 0.0)


@pytest.fixture
def server():
    with ReplayServer() as srv:
        srv.add("/file.bin", BODY, headers={"Content-Type": "application/octet-stream"})
        yield srv


def test_plain_download_with_checksums_and_progress(server, tmp_path):
    seen = []
    out = dl.download(server.url("/file.bin"), tmp_path / "sub" / "f.bin", sha256=SHA, md5=MD5,
                      progress=lambda d, t: seen.append((d, t)))
    assert out.read_bytes() == BODY
    assert seen[-1] == (len(BODY), len(BODY)) and all(d <= len(BODY) for d, _ in seen)
    assert not (tmp_path / "sub" / "f.bin.part").exists()
    # idempotent: a verified file is not fetched again
    dl.download(server.url("/file.bin"), out, sha256=SHA)
    assert len(server.hits("/file.bin")) == 1


def test_dropped_connection_resumes_with_range(server, tmp_path):
    server.fail("/file.bin", ("drop", 100_000))
    out = dl.download(server.url("/file.bin"), tmp_path / "f.bin", sha256=SHA)
    assert out.read_bytes() == BODY
    first, second = server.hits("/file.bin")
    assert "Range" not in first.headers
    assert second.headers["Range"] == "bytes=100000-"


def test_interrupted_then_resumed_in_a_new_call(server, tmp_path):
    server.fail("/file.bin", ("drop", 70_000))
    with pytest.raises(NesscanError, match=r"failed after 1 attempt \(truncated: 70000 of 256000 bytes\)"):
        dl.download(server.url("/file.bin"), tmp_path / "f.bin", retries=0)
    assert not (tmp_path / "f.bin").exists()
    assert (tmp_path / "f.bin.part").stat().st_size == 70_000
    dl.download(server.url("/file.bin"), tmp_path / "f.bin", sha256=SHA, retries=0)
    assert (tmp_path / "f.bin").read_bytes() == BODY
    assert server.hits("/file.bin")[-1].headers["Range"] == "bytes=70000-"


def test_server_without_ranges_restarts_from_zero(server, tmp_path):
    server.add("/norange.bin", BODY, ranges=False)
    (tmp_path / "f.bin.part").write_bytes(b"\xff" * 5000)  # stale, and wrong bytes
    dl.download(server.url("/norange.bin"), tmp_path / "f.bin", sha256=SHA)
    assert (tmp_path / "f.bin").read_bytes() == BODY


def test_stale_part_longer_than_file_restarts(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(b"\0" * (len(BODY) + 10))  # 416 from the server
    dl.download(server.url("/file.bin"), tmp_path / "f.bin", sha256=SHA)
    assert (tmp_path / "f.bin").read_bytes() == BODY


def test_503_is_retried(server, tmp_path):
    server.fail("/file.bin", ("status", 503), ("status", 502))
    dl.download(server.url("/file.bin"), tmp_path / "f.bin", sha256=SHA)
    assert len(server.hits("/file.bin")) == 3
    assert (tmp_path / "f.bin").read_bytes() == BODY


def test_retries_run_out_with_one_line(server, tmp_path):
    server.fail("/file.bin", *[("status", 503)] * 3)
    with pytest.raises(NesscanError) as err:
        dl.download(server.url("/file.bin"), tmp_path / "f.bin", retries=2)
    assert "failed after 3 attempts (HTTP 503 Service Unavailable)" in str(err.value)
    assert "\n" not in str(err.value)


def test_checksum_mismatch_deletes_and_names_both_digests(server, tmp_path):
    server.fail("/file.bin", ("body", BODY[:-1] + b"X"))
    bad = hashlib.sha256(BODY[:-1] + b"X").hexdigest()
    with pytest.raises(NesscanError) as err:
        dl.download(server.url("/file.bin"), tmp_path / "f.bin", sha256=SHA)
    msg = str(err.value)
    assert server.url("/file.bin") in msg and SHA in msg and bad in msg
    assert not (tmp_path / "f.bin").exists() and not (tmp_path / "f.bin.part").exists()


def test_404_is_not_retried(server, tmp_path):
    with pytest.raises(NesscanError, match=r"/missing.bin: not found \(HTTP 404\)"):
        dl.download(server.url("/missing.bin"), tmp_path / "f.bin")
    assert len(server.hits("/missing.bin")) == 1


def test_connection_refused_is_retried_then_fails(tmp_path):
    with ReplayServer() as srv:
        url = srv.url("/x")
    with pytest.raises(NesscanError, match="failed after 2 attempts"):
        dl.download(url, tmp_path / "f.bin", retries=1, timeout=2)


def test_http_get_retries_truncated_body_and_reads_link(server):
    server.add("/page", b"0123456789", headers={"Link": f'<{server.url("/page", {"cursor": "a b"})}>; rel="next"'})
    server.fail("/page", ("drop", 4))
    resp = dl.http_get(server.url("/page"))
    assert resp.body == b"0123456789" and len(server.hits("/page")) == 2
    assert dl.next_link(resp.headers) == server.url("/page", {"cursor": "a b"})


def test_cache_dir_follows_env(monkeypatch, tmp_path):
    from nesscan.embed import esm2

    monkeypatch.setenv("NESSCAN_CACHE", str(tmp_path))
    assert dl.cache_dir("afdb") == tmp_path / "afdb"
    assert esm2.cache_dir() == dl.cache_dir("esm2")
    monkeypatch.delenv("NESSCAN_CACHE")
    assert dl.cache_dir("esm2") == esm2.cache_dir() == \
        __import__("pathlib").Path(os.path.expanduser("~/.cache/nesscan/esm2"))
