"""A local HTTP server that replays canned responses, with fault injection.

Tests of the download layer point nesscan at ``http://127.0.0.1:<port>`` and
register, per path (and optionally per query), the status, headers and body a
real service sends: UniProt's ``Link``/``X-Total-Results``, the Hugging Face
hub's ``302`` + ``X-Linked-Etag``, ``Content-Length``, ``Accept-Ranges``.
Byte ranges (``Range: bytes=N-``) are answered with ``206`` and
``Content-Range`` unless a route says ``ranges=False``.

Faults are queued per route and used up one per request, in order:

* ``("status", 503)``: that status with a short body (and ``Retry-After: 0``);
* ``("drop", n)``: the full headers, ``n`` bytes of the body, then the
  connection is closed (a truncated body);
* ``("body", b"...")``: another body (a corrupt response) with the route's
  status and headers, ``Content-Length`` set to the new body's size.

Every request is recorded (:attr:`ReplayServer.requests`) with its method,
path, query and headers, so tests can check that a resume sent ``Range``.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Route:
    """One canned response."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    ranges: bool = True  # answer Range requests with 206
    faults: list[tuple[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class ReplayServer:
    """Threaded HTTP server on 127.0.0.1 with a free port; use as a context manager."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, frozenset | None], Route] = {}
        self.requests: list[Request] = []
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                replay._serve(self, head=True)

            def do_GET(self) -> None:
                replay._serve(self, head=False)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, path: str, body: bytes | str, *, query: dict[str, str] | None = None, status: int = 200,
            headers: dict[str, str] | None = None, ranges: bool = True) -> Route:
        """Serve ``body`` at ``path`` (for exactly ``query`` if given, else for any query)."""
        if isinstance(body, str):
            body = body.encode()
        key = (path, frozenset(query.items()) if query is not None else None)
        self.routes[key] = route = Route(body, status, dict(headers or {}), ranges)
        return route

    def fail(self, path: str, *faults: tuple[str, object], query: dict[str, str] | None = None) -> None:
        """Queue ``faults`` on the route of ``path`` (and ``query``)."""
        key = (path, frozenset(query.items()) if query is not None else None)
        self.routes[key].faults.extend(faults)

    def url(self, path: str, query: dict[str, str] | None = None) -> str:
        return self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")

    def hits(self, path: str, method: str = "GET") -> list[Request]:
        """Recorded requests for ``path``."""
        return [r for r in self.requests if r.path == path and r.method == method]

    def _find(self, path: str, query: dict[str, str]) -> Route | None:
        return self.routes.get((path, frozenset(query.items()))) or self.routes.get((path, None))

    def _serve(self, h: http.server.BaseHTTPRequestHandler, head: bool) -> None:
        parts = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.requests.append(Request(h.command, parts.path, query, dict(h.headers.items())))
        route = self._find(parts.path, query)
        if route is None:
            return self._send(h, 404, {"Content-Type": "text/plain"}, b"Not Found\n", head)
        fault = route.faults.pop(0) if route.faults else None
        status, headers, body = route.status, dict(route.headers), route.body
        if fault and fault[0] == "status":
            return self._send(h, int(fault[1]), {"Retry-After": "0", "Content-Type": "text/plain"},
                              b"Service Unavailable\n", head)
        if fault and fault[0] == "body":
            body = bytes(fault[1])
        rng = h.headers.get("Range")
        if rng and route.ranges and status == 200 and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes="):-1])
            if start >= len(body):
                return self._send(h, 416, {"Content-Range": f"bytes */{len(body)}"}, b"", head)
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
            status, body = 206, body[start:]
        if route.ranges:
            headers.setdefault("Accept-Ranges", "bytes")
        if fault and fault[0] == "drop":
            headers["Content-Length"] = str(len(body))
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body[: int(fault[1])])
            h.wfile.flush()
            h.close_connection = True
            return
        self._send(h, status, headers, body, head)

    @staticmethod
    def _send(h: http.server.BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes,
              head: bool) -> None:
        h.send_response(status)
        headers = {**headers, "Content-Length": str(len(body))}
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        if not head:
            h.wfile.write(body)
