"""Run the application under uvicorn on a socket bound here, so the URL logged is the real one."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from nesscan.predictor import Runtime


def bind(host: str = "127.0.0.1", port: int = 8000) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one, chosen by the system).

    Raises
    ------
    NesscanError
        When the address cannot be bound (in use, or not an address of this machine).
    """
    from nesscan.errors import NesscanError

    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise NesscanError(f"{port} is not a port number (0 to 65535; 0 picks a free one)")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except (OSError, OverflowError) as exc:
        raise NesscanError(f"cannot listen on {host}:{port} ({getattr(exc, 'strerror', None) or exc})") from None
    return sock


def allowed_hosts(host: str, extra: Sequence[str] = ()) -> list[str]:
    """Host names the server answers to when bound to ``host`` (see ``create_app``).

    Always the loopback names; also ``host`` itself when it is not a loopback address
    (an IPv6 address in brackets); for a wildcard address (``0.0.0.0``, ``::``) also this
    machine's host names. ``extra`` adds names (``"*"``: any, e.g. behind a proxy).

    Examples
    --------
    >>> allowed_hosts("127.0.0.1")
    ['localhost', '127.0.0.1', '[::1]']
    >>> allowed_hosts("192.168.1.5", ["nes.example.org"])[3:]
    ['192.168.1.5', 'nes.example.org']
    """
    from nesscan.web.app import LOOPBACK_HOSTS

    names = list(LOOPBACK_HOSTS)
    if host in ("0.0.0.0", "::", ""):
        names += [socket.gethostname(), socket.getfqdn()]
    else:
        names.append(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    out: list[str] = []
    for name in [*names, *extra]:
        name = name.lower()
        if name and name not in out:
            out.append(name)
    return out


def serve(model_dir: str | os.PathLike | None = None, screen_dir: str | os.PathLike | None = None,
          host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          runtime: Runtime | None = None,
          log: Callable[[str], None] | None = None, allow_hosts: Sequence[str] = ()) -> None:
    """Load the model (and screens), bind ``host:port`` and serve until interrupted.

    Parameters
    ----------
    model_dir, screen_dir, workers, runtime
        See :func:`nesscan.web.app.create_app`.
    host, port
        Address to bind; the default serves this machine only.
    log
        Receives one line with the URL once the server listens, and warnings.
    allow_hosts
        Host names accepted beyond those of :func:`allowed_hosts` (``"*"``: any).
    """
    import torch
    import uvicorn

    from nesscan.web.app import create_app

    # Parallelism comes from concurrent requests, one core each: a torch thread pool per
    # request would oversubscribe the cores (the time is in torch: the default model's
    # metapredict networks, a Transformer's forward pass).
    torch.set_num_threads(1)
    log = log or (lambda message: None)
    app = create_app(model_dir, screen_dir, workers=workers, runtime=runtime,
                     allowed_hosts=allowed_hosts(host, allow_hosts))
    state = app.state.nesscan
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if bound_host not in ("127.0.0.1", "::1"):
        log(f"warning: listening on {host}, reachable from other machines; nesscan serve has no login")
    screens = f", screens: {', '.join(state.screens)}" if state.screens else ""
    log(f"model {state.model.path} (threshold {state.model.threshold:.3f}){screens}")
    log(f"serving on http://{shown}:{bound_port}/ (Ctrl-C to stop)")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down gracefully
        pass
    log("stopped")
