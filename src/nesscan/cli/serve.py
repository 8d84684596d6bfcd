"""``nesscan serve``: the predictor and a finished screen as a local web application."""

from __future__ import annotations

import argparse

from nesscan.cli.common import Reporter, add_model_option, add_runtime_options, formatter, port_number, positive_int, runtime

EXAMPLE = """Example:
  nesscan serve --browse run/ --port 8000
  # then open http://127.0.0.1:8000/ (predict) or /browse (the screen's candidates)"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the predictor and a screen's candidates as a local web application",
                       description="Start a web server: a predict page (paste a protein, see its NES score track, "
                                   "candidate windows, class and anchors), a browse page over a finished screen, "
                                   "and a JSON API (/api). Binds to 127.0.0.1 unless --host says otherwise.",
                       epilog=EXAMPLE, formatter_class=formatter)
    add_model_option(p)
    p.add_argument("--browse", metavar="DIR", help="a nesscan screen output folder, or a nesscan run folder "
                   "(one screen per proteome), for the browse page")
    p.add_argument("--screen", dest="browse", help=argparse.SUPPRESS)  # deprecated alias of --browse
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="predictions computed at once, one CPU core each (default: the number of cores)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer requests that name this host (repeatable; '*' for any, e.g. behind a "
                        "proxy). By default only localhost, 127.0.0.1, [::1] and the --host address are "
                        "answered (others get HTTP 400: no DNS rebinding)")
    add_runtime_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nesscan.web.server import serve

    rep = Reporter()
    serve(args.model, args.browse, host=args.host, port=args.port, workers=args.workers,
          runtime=runtime(args), log=rep.log, allow_hosts=args.allow_host)
    return 0
