"""Bounded load test of ``nesscan serve`` on loopback: N predictions, C at a time.

Starts ``nesscan serve --port 0`` on 127.0.0.1 (or uses ``--url``), sends ``--requests``
``POST /api/predict`` calls of one protein from ``--concurrency`` client threads, stops
early after ``--time-limit`` seconds, and prints errors, p50/p95/max latency and throughput.

    python bench/web_load.py                       # 1,000 predictions, 4 at a time
    python bench/web_load.py --requests 200 --length 400 --concurrency 4

Exit status 1 when any request failed (or the time limit cut the run short).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import numpy as np

PKI_NES = "NSNELALKLAGLDIN"


def start_server(args: list[str] | tuple[str, ...] = (), timeout: float = 120.0) -> tuple[subprocess.Popen, str]:
    """Start ``nesscan serve --port 0 ARGS`` and wait for the URL it logs.

    Returns
    -------
    (process, url)
        Stop the process with :func:`stop_server`.
    """
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    proc = subprocess.Popen([sys.executable, "-m", "nesscan", "serve", "--port", "0", *args],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    found: list[str] = []
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:  # keep draining, so the server never blocks on a full pipe
            lines.append(line)
            m = re.search(r"serving on (http://\S+/)", line)
            if m and not found:
                found.append(m.group(1))

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not found:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("nesscan serve did not start:\n" + "".join(lines))
        time.sleep(0.05)
    return proc, found[0]


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load_protein(length: int = 400, seed: int = 0) -> str:
    """A seeded random protein of ``length`` residues with the PKI NES in its middle."""
    rng = np.random.default_rng(seed)
    seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=length))
    mid = max((length - len(PKI_NES)) // 2, 0)
    return (seq[:mid] + PKI_NES + seq[mid + len(PKI_NES):])[:length]


def run_load(url: str, sequence: str, requests: int = 1000, concurrency: int = 4,
             time_limit: float = 600.0) -> dict:
    """Send ``requests`` predictions, ``concurrency`` at a time; stop starting new ones
    after ``time_limit`` seconds.

    Returns
    -------
    dict
        ``sent``, ``ok``, ``errors`` (list of the first 10 error strings), ``n_errors``,
        ``latency_ms`` (p50, p95, max), ``wall_s``, ``per_s`` (completed requests per second).
    """
    parts = urlsplit(url)
    body = json.dumps({"sequence": sequence}).encode()
    lock = threading.Lock()
    counter = iter(range(requests))
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    local = threading.local()

    def worker() -> None:
        while True:
            with lock:
                if next(counter, None) is None or time.perf_counter() - start > time_limit:
                    return
            if not hasattr(local, "conn"):
                local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            t0 = time.perf_counter()
            try:
                local.conn.request("POST", "/api/predict", body, {"Content-Type": "application/json"})
                resp = local.conn.getresponse()
                payload = resp.read()
                ok = resp.status == 200 and json.loads(payload)["proteins"][0]["status"] == "ok"
                problem = None if ok else f"HTTP {resp.status}: {payload[:200]!r}"
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                local.conn.close()
                del local.conn
            elapsed = time.perf_counter() - t0
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)

    with ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    wall = time.perf_counter() - start
    lat = np.array(latencies) * 1000
    return {"sent": len(latencies) + len(errors), "ok": len(latencies), "n_errors": len(errors),
            "errors": errors[:10], "wall_s": wall, "per_s": len(latencies) / wall if wall else 0.0,
            "latency_ms": {"p50": float(np.percentile(lat, 50)) if len(lat) else None,
                           "p95": float(np.percentile(lat, 95)) if len(lat) else None,
                           "max": float(lat.max()) if len(lat) else None}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--length", type=int, default=400, help="residues of the test protein (default 400)")
    p.add_argument("--time-limit", type=float, default=600.0, help="seconds (default 600)")
    p.add_argument("--url", help="an already running server (default: start one on 127.0.0.1)")
    p.add_argument("--workers", type=int, help="--workers of the server started here")
    args = p.parse_args(argv)
    proc = None
    if args.url is None:
        proc, url = start_server(["--workers", str(args.workers)] if args.workers else [])
    else:
        url = args.url
    try:
        seq = load_protein(args.length)
        run_load(url, seq, requests=8, concurrency=1)  # warm-up, not counted
        res = run_load(url, seq, args.requests, args.concurrency, args.time_limit)
    finally:
        if proc is not None:
            stop_server(proc)
    lat = res["latency_ms"]
    print(f"{url}: {res['sent']} predictions of a {args.length}-residue protein, {args.concurrency} at a time, "
          f"on {os.cpu_count()} cores")
    print(f"errors: {res['n_errors']}" + "".join(f"\n  {e}" for e in res["errors"]))
    if res["ok"]:
        print(f"latency ms: p50 {lat['p50']:.1f}, p95 {lat['p95']:.1f}, max {lat['max']:.1f}; "
              f"{res['per_s']:.1f} predictions/s over {res['wall_s']:.1f} s")
    return 1 if res["n_errors"] or res["sent"] < args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
