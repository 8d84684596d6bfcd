"""ESM-2 weights from the Hugging Face hub into ``$NESSCAN_CACHE/esm2/<name>``.

Files come from ``{base}/{repo}/resolve/{revision}/{file}``: the ones
:class:`nesscan.embed.esm2.Esm2Embedder` reads (``config.json``,
``vocab.txt``, the tokenizer files, and ``model.safetensors``, or
``pytorch_model.bin`` where a repository has no safetensors). A ``HEAD``
request first reads each file's checksum: for a large (LFS) file the hub answers
``302`` to its CDN with ``X-Linked-Etag`` = the file's SHA-256 and
``X-Linked-Size``; for a small file ``200`` with ``ETag`` = its git blob SHA-1.
Both are verified. Files are downloaded into ``.<name>.partial/`` beside the
target (resumable) and the folder is renamed to ``<name>`` only when all of
them are in: a half-fetched model never looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from nesscan.atomic import write_text
from nesscan.fetch.http import ByteProgress, cache_dir, download, http_head
from nesscan.errors import NesscanError
from nesscan.fetch import service_url

#: (file, required) besides the weights.
ESM2_FILES: tuple[tuple[str, bool], ...] = (
    ("config.json", True), ("vocab.txt", True),
    ("tokenizer_config.json", False), ("special_tokens_map.json", False),
)  # fmt: skip
#: Weight files in order of preference; the first one the repository has is fetched.
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
RECORD = "nesscan_fetch.json"


@dataclass(frozen=True)
class _Remote:
    name: str
    url: str
    size: int | None  # bytes
    sha256: str | None  # LFS files
    git_sha1: str | None  # small files: git blob SHA-1
    commit: str  # X-Repo-Commit ("" if not sent)


def split_name(name: str) -> tuple[str, str]:
    """``(repo id, short name)``: ``"esm2_t6_8M_UR50D"`` -> ``("facebook/esm2_t6_8M_UR50D", "esm2_t6_8M_UR50D")``."""
    repo = name if "/" in name else f"facebook/{name}"
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", repo):
        raise NesscanError(f"{name!r} is not a Hugging Face model name (e.g. esm2_t6_8M_UR50D)")
    return repo, repo.split("/", 1)[1]


def _etag(value: str | None) -> str:
    return (value or "").strip().removeprefix("W/").strip('"').lower()


def _remote(url: str, name: str, retries: int, timeout: float) -> _Remote:
    head = http_head(url, retries=retries, timeout=timeout)
    for _ in range(5):  # the hub redirects some files within itself (relative Location), like huggingface_hub
        location = head.headers.get("Location", "")
        if not (300 <= head.status < 400 and location.startswith("/") and not head.headers.get("X-Linked-Etag")):
            break
        head = http_head(urllib.parse.urljoin(url, location), retries=retries, timeout=timeout)
    h = head.headers
    linked = _etag(h.get("X-Linked-Etag"))
    plain = _etag(h.get("ETag"))
    size = h.get("X-Linked-Size") or (h.get("Content-Length") if head.status == 200 else None)
    sha256 = linked if re.fullmatch(r"[0-9a-f]{64}", linked) else None
    if sha256 is None and re.fullmatch(r"[0-9a-f]{64}", plain):
        sha256 = plain
    git_sha1 = plain if sha256 is None and re.fullmatch(r"[0-9a-f]{40}", plain) else None
    return _Remote(name, url, int(size) if size and size.isdigit() else None, sha256, git_sha1,
                   h.get("X-Repo-Commit", ""))


def _git_blob_sha1(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _plan(repo: str, base: str, revision: str, retries: int, timeout: float) -> list[_Remote]:
    root = f"{base}/{repo}/resolve/{revision}"
    plan = []
    for name, required in ESM2_FILES:
        try:
            plan.append(_remote(f"{root}/{name}", name, retries, timeout))
        except NesscanError as err:
            if "not found" not in str(err):
                raise
            if name == "config.json":
                raise NesscanError(f"{repo} not found on the hub ({root}/config.json: HTTP 404)") from None
            if required:
                raise
    for name in WEIGHTS:
        try:
            plan.append(_remote(f"{root}/{name}", name, retries, timeout))
            break
        except NesscanError as err:
            if "not found" not in str(err):
                raise
    else:
        raise NesscanError(f"{repo}: no weights on the hub (neither {' nor '.join(WEIGHTS)})")
    commits = {r.commit for r in plan} - {""}
    if len(commits) > 1:
        raise NesscanError(f"{repo} changed on the hub during the fetch (commits {sorted(commits)}); run again")
    return plan


def fetch_esm2(
    name: str,
    *,
    cache: str | os.PathLike | None = None,
    base_url: str | None = None,
    revision: str = "main",
    force: bool = False,
    retries: int = 4,
    timeout: float = 60.0,
    progress: ByteProgress | None = None,
) -> Path:
    """Download an ESM-2 checkpoint into the folder the ``esm2`` embedder reads.

    Parameters
    ----------
    name
        Short name (``"esm2_t6_8M_UR50D"``, meaning ``facebook/...``) or hub id.
    cache
        Folder of ESM-2 models (default :func:`nesscan.embed.esm2.cache_dir`,
        ``$NESSCAN_CACHE/esm2``).
    base_url
        Hub root (default ``$NESSCAN_HF_URL`` or https://huggingface.co).
    revision
        Branch, tag or commit.
    force
        Fetch again even when ``<cache>/<short name>`` exists (it is replaced).
    retries, timeout, progress
        Per file, see :func:`nesscan.fetch.http.download`; ``progress(bytes_done,
        total_bytes)`` counts all files.

    Returns
    -------
    pathlib.Path
        ``<cache>/<short name>``, holding the files and ``nesscan_fetch.json``
        (repository, commit, and size and checksum of each file).
    """
    repo, short = split_name(name)
    cache = Path(cache) if cache is not None else cache_dir("esm2")
    target = cache / short
    if (target / "config.json").is_file() and not force:
        return target
    plan = _plan(repo, service_url("hf", base_url), revision, retries, timeout)
    partial = cache / f".{short}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    total = sum(r.size or 0 for r in plan) or None
    done_before = 0
    for r in plan:
        report = None if progress is None else (lambda d, _t, b=done_before: progress(b + d, total))
        dest = partial / r.name
        if r.git_sha1 and dest.is_file() and _git_blob_sha1(dest) == r.git_sha1:
            pass  # fetched by an earlier, interrupted run
        else:
            download(r.url, dest, sha256=r.sha256, retries=retries, timeout=timeout, progress=report)
        if r.size is not None and (got_size := dest.stat().st_size) != r.size:
            dest.unlink()
            raise NesscanError(f"{r.url}: {got_size} bytes, but the hub announced {r.size}; "
                               "the file was deleted")
        if r.git_sha1 and (got := _git_blob_sha1(dest)) != r.git_sha1:
            dest.unlink()
            raise NesscanError(f"{r.url}: git blob sha1 mismatch (expected {r.git_sha1}, got {got}); "
                               "the corrupt download was deleted")
        done_before += r.size or dest.stat().st_size
    record = {"repo": repo, "revision": revision, "commit": next((r.commit for r in plan if r.commit), ""),
              "files": {r.name: {"bytes": (partial / r.name).stat().st_size, "sha256": r.sha256,
                                 "git_sha1": r.git_sha1} for r in plan}}
    write_text(partial / RECORD, json.dumps(record, indent=1) + "\n")
    if target.exists():
        old = cache / f".{short}.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        shutil.rmtree(old)
    os.replace(partial, target)
    return target
