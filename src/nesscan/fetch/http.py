"""HTTP downloads that survive bad networks: retries, resume, checksums, atomic files.

Standard library only (:mod:`urllib`). Two entry points:

* :func:`download` streams one URL into a file. It writes ``dest.part``,
  continues an existing ``.part`` with an HTTP ``Range`` request (if the server
  answers 200 instead of 206 it starts again from byte 0), retries connection
  errors, HTTP 429/5xx and truncated bodies with exponential backoff, checks the
  size and the SHA-256/MD5 checksum, and only then renames ``.part`` to ``dest``:
  a reader sees no file or the whole verified file.
* :func:`http_get` fetches one small response (a JSON or FASTA page) into
  memory with the same retries, and :func:`next_link` reads the RFC 8288
  ``Link: <...>; rel="next"`` header that paginated APIs (UniProt) send.

Errors are :class:`~nesscan.errors.NesscanError` with one line naming the URL.
Downloaded things are cached under :func:`cache_dir`.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from nesscan.version import __version__
from nesscan.errors import NesscanError

#: ``progress(done_bytes, total_bytes_or_None)``.
ByteProgress = Callable[[int, "int | None"], None]

#: Seconds before the first retry; the wait doubles each time, at most :data:`MAX_BACKOFF_S`.
BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
USER_AGENT = f"nesscan/{__version__} (python-urllib)"
_CHUNK = 1 << 16
T = TypeVar("T")
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


def cache_dir(kind: str) -> Path:
    """Cache folder for downloaded ``kind`` (``"esm2"``, ``"alphafold"``): ``$NESSCAN_CACHE/<kind>``.

    ``NESSCAN_CACHE`` defaults to ``~/.cache/nesscan``. The folder is not created.
    """
    root = os.environ.get("NESSCAN_CACHE") or "~/.cache/nesscan"
    return Path(root).expanduser() / kind


class _Retry(Exception):
    """A transient failure: try again after a pause."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class _Range416(Exception):
    """HTTP 416: the ``Range`` asked for lies past the end of the file."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx comes back as HTTPError
        return None


_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError)


def _request(url: str, headers: Mapping[str, str] | None, timeout: float, method: str = "GET",
             follow: bool = True) -> http.client.HTTPResponse | urllib.error.HTTPError:
    """Open ``url``; HTTP errors become :class:`_Retry` (transient) or NesscanError (final).

    With ``follow=False`` a 3xx answer is returned (as the HTTPError holding it).
    """
    _check_scheme(url)
    req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(req, timeout=timeout)
    except urllib.error.HTTPError as err:
        if 300 <= err.code < 400 and not follow:
            return err
        err.close()
        if err.code in (404, 410):
            raise NesscanError(f"{url}: not found (HTTP {err.code})") from None
        if err.code in _RETRY_STATUS:
            after = err.headers.get("Retry-After", "") if err.headers else ""
            raise _Retry(f"HTTP {err.code} {err.reason}", float(after) if after.isdigit() else None) from None
        if err.code == 416:
            raise _Range416() from None
        raise NesscanError(f"{url}: HTTP {err.code} {err.reason}") from None
    except _NETWORK_ERRORS as err:
        raise _Retry(f"{type(err).__name__}: {getattr(err, 'reason', None) or err}") from None


def _check_scheme(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise NesscanError(f"{url}: only http:// and https:// URLs can be downloaded")


def _with_retries(url: str, retries: int, attempt: Callable[[], T], what: str = "request failed",
                  hint: str = "") -> T:
    """Call ``attempt`` until it returns, pausing after each :class:`_Retry` (exponential backoff)."""
    last, wait = "no attempt", None
    for i in range(retries + 1):
        if i:
            time.sleep(min(MAX_BACKOFF_S, wait if wait is not None else BACKOFF_S * 2 ** (i - 1)))
        try:
            return attempt()
        except _Retry as err:
            last, wait = str(err), err.wait
    tries = f"{retries + 1} attempt{'s' if retries else ''}"
    raise NesscanError(f"{url}: {what} after {tries} ({last}){hint}")


def _digests(path: Path, sha256: str | None, md5: str | None) -> list[tuple[str, str, str]]:
    """``(algorithm, expected, actual)`` for each checksum asked for."""
    wanted = [(name, want.lower()) for name, want in (("sha256", sha256), ("md5", md5)) if want]
    if not wanted:
        return []
    hashes = {name: hashlib.new(name) for name, _ in wanted}
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            for h in hashes.values():
                h.update(block)
    return [(name, want, hashes[name].hexdigest()) for name, want in wanted]


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    sha256: str | None = None,
    md5: str | None = None,
    retries: int = 4,
    timeout: float = 30.0,
    resume: bool = True,
    progress: ByteProgress | None = None,
    headers: Mapping[str, str] | None = None,
) -> Path:
    """Download ``url`` to ``dest``, atomically, resuming and retrying.

    Parameters
    ----------
    url
        ``http://`` or ``https://`` URL.
    dest
        Final file; its folder is created. Bytes go to ``dest.part`` first.
        When ``dest`` exists and matches the checksum given, nothing is fetched;
        without a checksum an existing ``dest`` is downloaded again.
    sha256, md5
        Expected hex digests of the whole file (either, both or none).
    retries
        Further attempts after the first on connection errors, timeouts, HTTP
        408/425/429/5xx and bodies shorter than their ``Content-Length``; waits
        :data:`BACKOFF_S` seconds, doubling each time (or the server's
        ``Retry-After``), at most :data:`MAX_BACKOFF_S`.
    timeout
        Seconds to wait for a connection or for the next bytes.
    resume
        Continue an existing ``dest.part`` with ``Range: bytes=<size>-``
        (``False``: delete it and start from zero).
    progress
        ``progress(done_bytes, total_bytes_or_None)`` after each block.
    headers
        Extra request headers.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    NesscanError
        HTTP 404/410 ("not found", not retried), other client errors, retries
        used up, or a checksum mismatch (the ``.part`` is deleted; the message
        names the URL and both digests).
    """
    dest = Path(dest)
    if dest.is_file() and (sha256 or md5) and all(w == a for _, w, a in _digests(dest, sha256, md5)):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if not resume:
        part.unlink(missing_ok=True)
    _with_retries(url, retries, lambda: _fetch_into(url, part, timeout, progress, headers),
                  what="download failed", hint=f"; run again to resume from {part}")
    for name, want, got in _digests(part, sha256, md5):
        if want != got:
            part.unlink(missing_ok=True)
            raise NesscanError(f"{url}: {name} checksum mismatch (expected {want}, got {got}); "
                               "the corrupt download was deleted")
    os.replace(part, dest)
    return dest


def _fetch_into(url: str, part: Path, timeout: float, progress: ByteProgress | None,
                headers: Mapping[str, str] | None) -> None:
    """One attempt: append to (206) or rewrite (200) ``part`` until the body is complete."""
    offset = part.stat().st_size if part.is_file() else 0
    extra = {**(headers or {}), **({"Range": f"bytes={offset}-"} if offset else {})}
    try:
        resp = _request(url, extra, timeout)
    except _Range416:  # the .part is longer than the file: it is stale
        part.unlink()
        raise _Retry("HTTP 416 Range Not Satisfiable", 0.0) from None
    with resp:
        length = resp.headers.get("Content-Length")
        if resp.status == 206:
            match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", resp.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                part.unlink(missing_ok=True)
                raise _Retry(f"bad Content-Range {resp.headers.get('Content-Range')!r}", 0.0)
            total = int(match.group(2)) if match.group(2) != "*" else None
            mode = "ab"
        else:  # 200: the server ignored the Range, start again
            offset, mode = 0, "wb"
            total = int(length) if length is not None else None
        expected = offset + int(length) if length is not None else total
        done = offset
        try:
            with open(part, mode) as fh:
                while block := resp.read(_CHUNK):
                    fh.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
        except _NETWORK_ERRORS as err:
            raise _Retry(f"connection lost after {done} bytes ({type(err).__name__})") from None
    if expected is not None and done < expected:
        raise _Retry(f"truncated: {done} of {expected} bytes")
    if expected is not None and done > expected:
        part.unlink()
        raise _Retry(f"{done} bytes, more than the {expected} announced")


@dataclass(frozen=True)
class Response:
    """A complete HTTP response held in memory."""

    url: str  # the URL asked for
    status: int  # HTTP status (200; or 3xx from :func:`http_head`)
    headers: Message  # response headers, case-insensitive ``.get``
    body: bytes  # the whole body, verified against Content-Length


def _get_once(url: str, headers: Mapping[str, str] | None, timeout: float) -> Response:
    with _request(url, headers, timeout) as resp:
        try:
            body = resp.read()
        except http.client.IncompleteRead as err:
            raise _Retry(f"truncated: {len(err.partial)} bytes received") from None
        except _NETWORK_ERRORS as err:
            raise _Retry(f"connection lost ({type(err).__name__})") from None
        length = resp.headers.get("Content-Length")
        if length is not None and len(body) != int(length):
            raise _Retry(f"truncated: {len(body)} of {length} bytes")
        return Response(url, resp.status, resp.headers, body)


def http_get(
    url: str,
    *,
    retries: int = 4,
    timeout: float = 30.0,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """GET a small response into memory, with :func:`download`'s retries.

    A body shorter than its ``Content-Length`` is retried like a connection
    error. HTTP 404/410 raise NesscanError "not found" without retrying.

    Raises
    ------
    NesscanError
        Not found, client error, or retries used up.
    """
    return _with_retries(url, retries, lambda: _get_once(url, headers, timeout))


def _head_once(url: str, headers: Mapping[str, str] | None, timeout: float) -> Response:
    with _request(url, headers, timeout, method="HEAD", follow=False) as resp:
        return Response(url, resp.status, resp.headers, b"")


def http_head(
    url: str,
    *,
    retries: int = 4,
    timeout: float = 30.0,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """HEAD ``url`` without following redirects (a 3xx is returned, not followed).

    Used to read metadata a redirect carries, e.g. the Hugging Face hub's
    ``X-Linked-Etag`` (SHA-256 of a large file) on its ``302`` to the CDN.
    Retries and errors as in :func:`http_get`; the body is empty.
    """
    return _with_retries(url, retries, lambda: _head_once(url, headers, timeout))


def next_link(headers: Message) -> str | None:
    """URL of the ``rel="next"`` entry of a ``Link`` header (RFC 8288), or ``None``.

    Examples
    --------
    >>> m = Message(); m["Link"] = '<https://rest.uniprot.org/x?cursor=abc&size=2>; rel="next"'
    >>> next_link(m)
    'https://rest.uniprot.org/x?cursor=abc&size=2'
    """
    for value in headers.get_all("Link") or []:
        for target, params in re.findall(r"<([^>]*)>\s*((?:;[^,<]*)*)", value):
            if re.search(r';\s*rel="?([^";]*\s)?next(\s[^";]*)?"?', params):
                return target
    return None
