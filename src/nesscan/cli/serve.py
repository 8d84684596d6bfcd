"""``nesscan serve``: the predictor and a finished screen as a local web application."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, embedder_options, formatter, port_number, positive_int

EXAMPLE = """Example:
  nesscan serve --screen run/ --port 8000
  # then open http://127.0.0.1:8000/ (predict) or /browse (the screen's candidates)"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the predictor and a screen's candidates as a local web application",
                       description="Start a web server: a predict page (paste a protein, see its NES score track, "
                                   "candidate windows, class and anchors), a browse page over a finished screen, "
                                   "and a JSON API (/api). Binds to 127.0.0.1 unless --host says otherwise.",
                       epilog=EXAMPLE, formatter_class=formatter)
    p.add_argument("--model", help="model directory (default: the model shipped with nesscan)")
    p.add_argument("--screen", metavar="DIR", help="a nesscan screen output folder, or a nesscan run folder "
                   "(one screen per proteome), for the browse page")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="predictions computed at once, one CPU core each (default: the number of cores)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer requests that name this host (repeatable; '*' for any, e.g. behind a "
                        "proxy). By default only localhost, 127.0.0.1, [::1] and the --host address are "
                        "answered (others get HTTP 400: no DNS rebinding)")
    p.add_argument("--esm-model", metavar="DIR", help="ESM-2 weights directory, for an esm2 model whose weights "
                   "are not in $NESSCAN_CACHE/esm2/<name>")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.web.server import serve

    rep = Reporter()
    serve(args.model, args.screen, host=args.host, port=args.port, workers=args.workers,
          embedder_options=embedder_options(args), log=rep.log, allow_hosts=args.allow_host)
    return 0
