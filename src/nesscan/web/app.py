"""The Starlette application of ``nesscan serve``: HTML pages and a JSON API.

Pages: ``/`` (predict), ``/browse`` (a screen's candidates), ``/protein/{accession}``
(a screened protein's track), ``/api`` (the API's documentation). JSON API:
``GET /api/health``, ``POST /api/predict``, ``GET /api/screens``, ``GET /api/candidates``,
``GET /api/protein/{accession}``; the README documents each request and response.

Errors never reach the user as a server error: bad input gives HTTP 422 (400 for a
request that is not JSON), input over a limit 413, each with ``{"error": "..."}`` on the
API and the same sentence on the page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from nesscan.errors import NesscanError
from nesscan.web import api, pages
from nesscan.web.common import State
from nesscan.web.predict import TooLarge

if TYPE_CHECKING:
    from nesscan.predictor import Runtime

#: Largest request body accepted, in bytes (10 MB: 100,000 residues of FASTA fit easily).
MAX_BODY_BYTES = 10_000_000
#: Rows of the browse table per page.
PAGE_ROWS = 100
#: Host names a request may name (its ``Host`` header, port ignored) by default: this
#: machine's loopback names only, so a web page of another site cannot reach the server by
#: pointing its own DNS name at 127.0.0.1 (DNS rebinding).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit:,} bytes: paste fewer or shorter proteins")


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` (declared or streamed) ends in HTTP 413."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            message = BodyTooLarge(self.max_bytes).detail
            if scope["path"] == "/" and "app" in scope:  # the predict form: the message on its page
                html = pages.predict_error_html(scope["app"].state.nesscan, message)
                response: Response = HTMLResponse(html, status_code=413)
            else:
                response = _error_response(scope["path"], 413, message)
            return await response(scope, receive, send)
        received = 0

        async def limited() -> dict:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


def create_app(model_dir: str | os.PathLike | None = None, screen_dir: str | os.PathLike | None = None,
               workers: int | None = None, max_body_bytes: int = MAX_BODY_BYTES,
               runtime: Runtime | None = None,
               allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """Build the application, loading the model (and the screens) once.

    Parameters
    ----------
    model_dir
        Model directory; the model shipped with nesscan when None.
    screen_dir
        A screen output folder or a ``nesscan run`` folder for the browse page; None
        for none.
    workers
        Predictions computed at once, each in a worker thread (default: the number of
        CPU cores; :func:`nesscan.web.server.serve` gives torch one thread per prediction).
    max_body_bytes
        Largest request body (bytes); larger ones get HTTP 413.
    runtime
        Device, precision, embedding cache and ESM-2 weights location
        (:class:`nesscan.predictor.Runtime`; the defaults when None).
    allowed_hosts
        Host names accepted in a request's ``Host`` header (port ignored; IPv6 addresses in
        brackets; ``"*"`` accepts any); others get HTTP 400. Default :data:`LOOPBACK_HOSTS`.

    Raises
    ------
    NesscanError
        An unreadable model or screen folder.
    """
    import anyio
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from nesscan.predictor import Predictor
    from nesscan.web.screens import find_screens

    if workers is not None and workers < 1:
        raise NesscanError(f"workers must be at least 1, not {workers}")
    state = State(model=Predictor.load(model_dir, runtime),
                  screens=find_screens(screen_dir) if screen_dir is not None else {},
                  limiter=anyio.CapacityLimiter(workers or os.cpu_count() or 1),
                  page_rows=PAGE_ROWS, max_body_bytes=max_body_bytes)
    static = Path(__file__).with_name("static")
    routes = [
        Route("/", pages.predict_page, methods=["GET", "POST"]),
        Route("/predict.csv", api.predict_csv, methods=["POST"]),
        Route("/browse", pages.browse_page),
        Route("/browse.csv", api.browse_csv),
        Route("/protein/{accession:path}", pages.protein_page),
        Route("/api", pages.api_page),
        Route("/api/health", api.api_health),
        Route("/api/predict", api.api_predict, methods=["POST"]),
        Route("/api/mutate", api.api_mutate, methods=["POST"]),
        Route("/api/screens", api.api_screens),
        Route("/api/candidates", api.api_candidates),
        Route("/api/protein/{accession:path}", api.api_protein),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    hosts = list(LOOPBACK_HOSTS if allowed_hosts is None else allowed_hosts)
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False),
                  Middleware(BodyLimit, max_bytes=max_body_bytes)]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error, TooLarge: _input_error,
                                        NesscanError: _input_error, Exception: _server_error})
    app.state.nesscan = state
    return app


def _wants_json(path: str) -> bool:
    return path.startswith("/api/") or path.endswith(".csv")


def _error_response(path: str, status: int, message: str) -> Response:
    if _wants_json(path):
        return JSONResponse({"error": message}, status_code=status)
    return HTMLResponse(pages.render_error(status, message), status_code=status)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    message = f"no page at {request.url.path}" if exc.detail == "Not Found" else exc.detail
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return _error_response(request.url.path, exc.status_code, str(message))


async def _input_error(request: Request, exc: NesscanError) -> Response:
    status = 413 if isinstance(exc, TooLarge) else 422
    return _error_response(request.url.path, status, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error_response(request.url.path, 500, f"internal error ({type(exc).__name__}); see the server log")
