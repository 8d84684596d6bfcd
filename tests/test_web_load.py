"""A bounded load test of ``nesscan serve`` on loopback (bench/web_load.py, smaller):
200 predictions of a 400-residue protein, 4 at a time, must all succeed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # 200 predictions through a served app (~15-30 s)

BENCH = Path(__file__).resolve().parents[1] / "bench" / "web_load.py"


def test_200_predictions_4_at_a_time_without_errors():
    spec = importlib.util.spec_from_file_location("web_load", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    proc, url = bench.start_server()
    try:
        assert url.startswith("http://127.0.0.1:")
        res = bench.run_load(url, bench.load_protein(400), requests=200, concurrency=4, time_limit=240)
    finally:
        bench.stop_server(proc)
    assert res["n_errors"] == 0, res["errors"]
    assert res["sent"] == res["ok"] == 200
    assert res["latency_ms"]["p95"] >= res["latency_ms"]["p50"] > 0
