"""``nesscan screen --engine ray`` on a real two-node Ray cluster: the local engine's bytes,
a worker SIGKILLed mid-screen, a driver SIGKILLed and resumed, two proteomes in one call.

Network isolation: Ray binds the machine's addresses unless told otherwise, so these tests
never run in the machine's network. ``test_ray_in_private_network`` (the only test that runs
in a plain ``pytest``) re-executes this module under ``unshare --net --pid --fork
--mount-proc --kill-child``: a network namespace where only loopback exists (brought up here, and
checked to be the only interface) and a PID namespace, so that ``ray stop --force`` sees
only this cluster's processes and the kernel ends every process of the cluster when the
inner pytest exits, whatever happens. Inside (``NESSCAN_RAY_PRIVATE_NET=1``) a head node and
a second node (``ray start --address``, own ports, one CPU each, 200 MB object store, no
dashboard, token authentication with a fresh token in the environment) run on 127.0.0.1.

Inputs: the first 50 and the next 25 proteins of the yeast proteome (the shared data
folder; skipped when absent), chunks of 2,000 residues (about a dozen for the first),
the shipped default model.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

INSIDE = os.environ.get("NESSCAN_RAY_PRIVATE_NET") == "1"
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
OUTPUTS = ("windows.parquet", "candidates.csv", "proteins.csv", "fdr.json", "importance.csv")
CHUNK = ["--chunk-floats", "90000"]  # 2,000 residues (the minimum) per chunk
PORT = 6390
ADDRESS = f"127.0.0.1:{PORT}"
LIMIT_S = 420  # the whole inner run


def _yeast() -> Path:
    env = os.environ.get("NESSCAN_DATA")
    root = Path(env) if env else ROOT.parent / "shared" / "data"
    return root / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz"


@pytest.mark.slow
def test_ray_in_private_network():
    """Run this module's Ray tests in their own network and PID namespaces."""
    if INSIDE:
        pytest.skip("already inside the private network")
    pytest.importorskip("ray")
    if not _yeast().is_file():
        pytest.skip(f"{_yeast()} not found (set NESSCAN_DATA)")
    if subprocess.run(["unshare", "--net", "--pid", "--fork", "--mount-proc", "true"],
                      capture_output=True).returncode != 0:
        pytest.skip("unshare --net --pid cannot run here (needs root or user namespaces)")
    env = dict(os.environ, NESSCAN_RAY_PRIVATE_NET="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(SRC)] + [p for p in [env.get("PYTHONPATH")] if p])
    cmd = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",  # all end with it
           sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=8", str(Path(__file__)),
           "-k", "not test_ray_in_private_network"]
    res = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=LIMIT_S + 60)
    print(res.stdout[-6000:], res.stderr[-3000:])
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    assert " passed" in res.stdout and "failed" not in res.stdout.splitlines()[-1]


inside = pytest.mark.skipif(not INSIDE, reason="runs inside test_ray_in_private_network's namespaces")


def _loopback_only() -> None:
    """Bring ``lo`` up and check that it is the only interface (no other address to bind)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, 0x8913, ifr))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sh", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    finally:
        sock.close()
    names = [name for _, name in socket.if_nameindex()]
    assert names == ["lo"], f"not a private network namespace: interfaces {names}"


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", RAY_USAGE_STATS_ENABLED="0")
    env["PYTHONPATH"] = os.pathsep.join([str(SRC)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _ray(*args: str, env: dict[str, str]) -> None:
    res = subprocess.run([sys.executable, "-m", "ray.scripts.scripts", *args], env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, (args, res.stdout[-3000:], res.stderr[-3000:])


COMMON = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", "200000000",
          "--disable-usage-stats"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head node and a second node on 127.0.0.1, one CPU each; the driver's environment
    (token, PYTHONPATH) is set in ``os.environ`` for this process and its subprocesses."""
    _loopback_only()
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
    env = _env()
    os.environ.update(PYTHONPATH=env["PYTHONPATH"], RAY_USAGE_STATS_ENABLED="0")
    temp = tmp_path_factory.mktemp("ray")
    try:
        _ray("start", "--head", "--port", str(PORT), *COMMON, "--include-dashboard", "false",
             "--temp-dir", str(temp), "--node-manager-port", "6391", "--object-manager-port", "6392",
             "--min-worker-port", "10000", "--max-worker-port", "10099",
             "--dashboard-agent-listen-port", "10201", "--dashboard-agent-grpc-port", "10202",
             "--metrics-export-port", "10203", "--runtime-env-agent-port", "10204", env=env)
        _ray("start", "--address", ADDRESS, *COMMON, "--node-manager-port", "6393",
             "--object-manager-port", "6394", "--min-worker-port", "10100", "--max-worker-port", "10199",
             "--dashboard-agent-listen-port", "10211", "--dashboard-agent-grpc-port", "10212",
             "--metrics-export-port", "10213", "--runtime-env-agent-port", "10214", env=env)
        import ray

        ray.init(address=ADDRESS, log_to_driver=False)
        deadline = time.time() + 60
        while len([n for n in ray.nodes() if n["Alive"]]) < 2:
            assert time.time() < deadline, "the second node did not join"
            time.sleep(0.5)
        yield ADDRESS
    finally:
        try:
            import ray

            ray.shutdown()
        finally:
            subprocess.run([sys.executable, "-m", "ray.scripts.scripts", "stop", "--force"], env=env,
                           capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """``a.fasta.gz`` (50 yeast proteins), ``b.fa`` (the next 25) and their local screens."""
    from nesscan.cli import main

    root = tmp_path_factory.mktemp("inputs")
    records, current = [], []
    with gzip.open(_yeast(), "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                if current:
                    records.append("".join(current))
                    if len(records) == 75:
                        break
                current = [line]
            else:
                current.append(line)
    with gzip.open(root / "a.fasta.gz", "wt") as handle:
        handle.write("".join(records[:50]))
    (root / "b.fa").write_text("".join(records[50:75]))
    for name in ("a.fasta.gz", "b.fa"):
        assert main(["screen", str(root / name), "-o", str(root / f"local-{name}"), *CHUNK, "--workers", "1"]) == 0
    return root


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _chunks(out: Path) -> int:
    return len(list((out / ".partial").glob("chunk-*.npz")))


@pytest.fixture
def engine(cluster):
    from nesscan.screen.ray_engine import RayEngine

    engine = RayEngine(cluster)
    assert len(engine.actors) == 2  # one per CPU of the two nodes
    yield engine
    engine.shutdown()  # frees the CPUs for the next test's actors


def _wait_free(seconds: float = 60) -> None:
    """Until both CPUs of the cluster are free (actors of an ended driver release them)."""
    import ray

    deadline = time.time() + seconds
    while ray.available_resources().get("CPU", 0) < 2:
        assert time.time() < deadline, ray.available_resources()
        time.sleep(0.5)


@inside
def test_ray_engine_same_bytes_as_local(engine, inputs, tmp_path):
    from nesscan.pipeline import screen

    assert len(set(engine.pids())) == 2
    screen(inputs / "a.fasta.gz", tmp_path, chunk_floats=90000, engine=engine)
    assert _outputs(tmp_path) == _outputs(inputs / "local-a.fasta.gz")


@inside
def test_worker_killed_mid_screen_is_retried(engine, inputs, tmp_path):
    """SIGKILL one actor's process after the second chunk lands: Ray restarts the actor and
    reruns its chunks; same bytes."""
    from nesscan.pipeline import screen

    before = engine.pids()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            screen(inputs / "a.fasta.gz", tmp_path, chunk_floats=90000, engine=engine)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.time() + 120
    while not (tmp_path / ".partial").is_dir() or _chunks(tmp_path) < 2:
        assert thread.is_alive() and time.time() < deadline, ("no chunks", errors)
        time.sleep(0.05)
    assert thread.is_alive(), "the screen ended before a worker could be killed"
    os.kill(before[1], signal.SIGKILL)
    thread.join(180)
    assert not thread.is_alive() and not errors, errors
    after = engine.pids()
    assert after[0] == before[0] and after[1] != before[1]  # the killed actor was restarted
    assert _outputs(tmp_path) == _outputs(inputs / "local-a.fasta.gz")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "nesscan", "screen", *args, *CHUNK, "--engine", "ray", "--ray-address", ADDRESS]


def _kill_driver_after(cmd: list[str], out: Path, chunks: int) -> None:
    """Run a driver and SIGKILL it once ``chunks`` chunk files are in ``out/.partial``."""
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 120
        while not (out / ".partial").is_dir() or _chunks(out) < chunks:
            assert proc.poll() is None, ("the driver ended first", proc.stdout.read())
            assert time.time() < deadline, "no chunks in time"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
    assert not (out / "windows.parquet").exists()


@inside
def test_driver_killed_then_resumed(cluster, inputs, tmp_path):
    """SIGKILL the driver (``nesscan screen --engine ray``) once two chunks landed; rerun with
    ``--resume`` on Ray and SIGKILL it again two chunks later; finish with ``--resume`` on
    the local engine (the work folder does not record the engine): same bytes."""
    from nesscan.cli import main

    _wait_free()
    out = tmp_path / "out"
    cmd = _cli(str(inputs / "a.fasta.gz"), "-o", str(out))
    _kill_driver_after(cmd, out, 2)
    kept = _chunks(out)
    assert "engine" not in json.loads((out / ".partial" / "manifest.json").read_text())
    _wait_free()
    _kill_driver_after(cmd + ["--resume"], out, kept + 2)
    assert main(["screen", str(inputs / "a.fasta.gz"), "-o", str(out), *CHUNK, "--workers", "1",
                 "--resume"]) == 0
    assert _outputs(out) == _outputs(inputs / "local-a.fasta.gz")
    assert not (out / ".partial").exists()


@inside
def test_two_proteomes_in_one_call(cluster, inputs, tmp_path):
    """``screen a.fasta.gz b.fa -o OUT --engine ray``: OUT/a/ and OUT/b/, each the bytes of its
    own local screen; written through a ``file://`` URI (staged, then uploaded)."""
    _wait_free()
    env = dict(_env(), NESSCAN_STAGING=str(tmp_path / "staging"))
    res = subprocess.run(_cli(str(inputs / "a.fasta.gz"), str(inputs / "b.fa"), "-o", f"file://{tmp_path}/out"),
                         env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-3000:]
    assert _outputs(tmp_path / "out" / "a") == _outputs(inputs / "local-a.fasta.gz")
    assert _outputs(tmp_path / "out" / "b") == _outputs(inputs / "local-b.fa")
    assert not any((tmp_path / "staging").iterdir())  # staging removed after the upload
