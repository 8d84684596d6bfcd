"""Screen outputs on shared storage: ``-o s3://bucket/screens/yeast`` (any URI that
``pyarrow.fs.FileSystem.from_uri`` understands: ``s3://``, ``gs://``, ``hdfs://``, ``file://``).

A screen writes into a local staging folder and, once every screen of the call has
finished, its files are uploaded with ``pyarrow.fs.copy_files`` and the staging folder
removed. The staging folder is named after the URI (``$NESSCAN_STAGING``, default
``~/.cache/nesscan/staging/<sha256 of the URI>``), so a driver killed mid-screen continues
with ``--resume`` from the chunks in its ``.partial/`` when rerun on the same machine;
nothing reaches the URI before the screen is complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Iterator

from nesscan.errors import NesscanError

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def is_uri(out: str | os.PathLike) -> bool:
    """True for ``scheme://...`` (a Windows drive letter is no scheme)."""
    return bool(_URI.match(str(out)))


def staging_dir(uri: str) -> Path:
    """The local folder a screen into ``uri`` is written to before the upload."""
    root = Path(os.environ.get("NESSCAN_STAGING") or Path.home() / ".cache" / "nesscan" / "staging")
    return root / hashlib.sha256(uri.encode()).hexdigest()[:16]


def upload(local: Path, uri: str) -> None:
    """Copy the files under ``local`` (its ``.partial/`` work folders excepted) to ``uri``."""
    from pyarrow import fs

    try:
        target, path = fs.FileSystem.from_uri(uri)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for unknown schemes
        raise NesscanError(f"{uri}: not a filesystem pyarrow can write to ({exc})") from None
    source = fs.LocalFileSystem()
    for file in sorted(local.rglob("*")):
        rel = file.relative_to(local)
        if not file.is_file() or ".partial" in rel.parts:
            continue
        dest = f"{path.rstrip('/')}/{rel.as_posix()}"
        target.create_dir(dest.rsplit("/", 1)[0], recursive=True)
        fs.copy_files(str(file), dest, source_filesystem=source, destination_filesystem=target)


@contextlib.contextmanager
def staged(out: str | os.PathLike) -> Iterator[Path]:
    """The local folder to write ``out`` into: ``out`` itself for a local path; for a URI
    a staging folder, uploaded to ``out`` and removed when the block ends without error."""
    if not is_uri(out):
        yield Path(out)
        return
    local = staging_dir(str(out))
    local.mkdir(parents=True, exist_ok=True)
    yield local
    upload(local, str(out))
    shutil.rmtree(local, ignore_errors=True)
