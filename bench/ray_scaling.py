"""Ray engine against the local engine on the same input: residues/s, Ray's overhead and
its scaling from 1 to 2 workers, in one run.

Four screens of the same FASTA (default: the yeast proteome of ``../shared/data``) with the
shipped default model: local engine with 1 and 2 worker processes, Ray with 1 and 2 actors
(a one-node Ray cluster of 2 CPUs started by this script). Each time counts everything a
user waits for: starting the workers or actors, scoring, calibration and writing. The four
outputs are checked to be the same bytes.

Ray binds the machine's addresses unless told otherwise, so the script re-executes itself
under ``unshare --net --pid --fork --mount-proc`` (root or user namespaces needed): only
loopback exists there and the cluster's processes end with the script.

Usage: ``python bench/ray_scaling.py [FASTA] [--proteins N] [--chunk-floats F]``
(``--proteins`` takes the first N proteins, for a quicker run on a busy machine).
"""

from __future__ import annotations

import argparse
import fcntl
import gzip
import os
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("NESSCAN_DATA") or HERE.parent.parent / "shared" / "data")
YEAST = DATA / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz"
OUTPUTS = ("windows.parquet", "candidates.csv", "proteins.csv", "fdr.json")


def _private_network() -> None:
    """Bring loopback up; refuse to go on if any other interface exists."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ifr = struct.pack("16sh", b"lo", 0)
    flags = struct.unpack("16sh", fcntl.ioctl(sock, 0x8913, ifr))[1]
    fcntl.ioctl(sock, 0x8914, struct.pack("16sh", b"lo", flags | 1))
    sock.close()
    names = [n for _, n in socket.if_nameindex()]
    if names != ["lo"]:
        sys.exit(f"ray_scaling: not in a private network namespace (interfaces {names})")


def _subset(fasta: Path, n: int | None, out: Path) -> Path:
    if n is None:
        return fasta
    records, current = [], []
    opener = gzip.open if fasta.suffix == ".gz" else open
    with opener(fasta, "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                if current:
                    records.append("".join(current))
                    if len(records) == n:
                        break
                current = [line]
            else:
                current.append(line)
    if current and len(records) < n:
        records.append("".join(current))
    out.write_text("".join(records))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fasta", nargs="?", default=str(YEAST))
    ap.add_argument("--proteins", type=int, help="first N proteins only")
    ap.add_argument("--chunk-floats", type=int, default=16_000_000)
    args = ap.parse_args()
    if os.environ.get("NESSCAN_RAY_PRIVATE_NET") != "1":
        env = dict(os.environ, NESSCAN_RAY_PRIVATE_NET="1", OMP_NUM_THREADS="1")
        cmd = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child", sys.executable, *sys.argv]
        sys.exit(subprocess.run(cmd, env=env).returncode)
    _private_network()
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), RAY_USAGE_STATS_ENABLED="0")

    import ray

    from nesscan.io.fasta import iter_fasta
    from nesscan.pipeline import screen
    from nesscan.screen.ray_engine import RayEngine

    work = Path(tempfile.mkdtemp(prefix="ray_scaling-"))
    fasta = _subset(Path(args.fasta), args.proteins, work / "input.fasta")
    residues = sum(len(p.sequence) for p in iter_fasta(fasta))
    print(f"input: {fasta} ({residues:,} residues); chunk floats {args.chunk_floats:,}; "
          f"load {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} on {os.cpu_count()} cores", flush=True)
    ray.init(_node_ip_address="127.0.0.1", num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=200_000_000)
    times, outputs = {}, {}
    for label, engine_workers in (("local x1", (None, 1)), ("local x2", (None, 2)),
                                  ("ray x1", ("ray", 1)), ("ray x2", ("ray", 2))):
        kind, n = engine_workers
        out = work / label.replace(" ", "")
        t0 = time.perf_counter()
        engine = RayEngine(workers=n) if kind == "ray" else None
        if engine is not None:
            engine.pids()  # the actors are up
            print(f"{label:9s} actors started in {time.perf_counter() - t0:.1f} s", flush=True)
        try:
            screen(fasta, out, chunk_floats=args.chunk_floats, workers=n, engine=engine)
        finally:
            if engine is not None:
                engine.shutdown()
        times[label] = time.perf_counter() - t0
        outputs[label] = {f: (out / f).read_bytes() for f in OUTPUTS}
        print(f"{label:9s} {times[label]:7.1f} s  {residues / times[label]:9,.0f} residues/s", flush=True)
    ray.shutdown()
    same = all(o == outputs["local x1"] for o in outputs.values())
    print(f"outputs identical across the four: {same}")
    print(f"Ray overhead against local, 1 worker:  {times['ray x1'] / times['local x1'] - 1:+.1%}")
    print(f"Ray overhead against local, 2 workers: {times['ray x2'] / times['local x2'] - 1:+.1%}")
    print(f"scaling 1 -> 2 workers: local {times['local x1'] / times['local x2']:.2f}x, "
          f"Ray {times['ray x1'] / times['ray x2']:.2f}x")
    print(f"load at the end {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
