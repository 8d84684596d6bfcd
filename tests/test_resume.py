"""``nesscan screen --resume``: a screen SIGKILLed anywhere and resumed writes the same
bytes as an uninterrupted one.

Screens (the packaged default model, one worker process: the worker count is
``test_workers``' subject) run on 60 synthetic proteins cut into chunks of 2,000 residues
(6 chunks). The killed runs go through a subprocess, a small wrapper that SIGKILLs its own
process at an exact point (after the n-th chunk file, before a given file is renamed into
place, when the work folder is about to be removed), or slows each chunk down so the test
can kill it from outside; the runs that are not killed (the reference, the resumes) go
through ``nesscan.cli.main`` in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nesscan.cli import main
from nesscan.model.store import default_model_dir

pytestmark = pytest.mark.slow  # every test kills a screen in a subprocess (6-30 s each on 2 cores)

SRC = Path(__file__).resolve().parents[1] / "src"
OUTPUTS = ("windows.parquet", "candidates.csv", "proteins.csv", "fdr.json", "importance.csv")
CHUNK = ["--chunk-floats", "90000", "--workers", "1"]  # 2,000 residues (the minimum) per chunk, one process

# argv: KILL_SPEC then nesscan's arguments. KILL_SPEC is "save:N" (SIGKILL once the N-th
# chunk file is written), "replace:NAME" (just before a file named NAME is renamed into
# place), "discard:N" (at the N-th removal of the work folder) or "slow:SECONDS" (sleep
# after each chunk file; the test kills from outside).
WRAPPER = """
import os, signal, sys, time
import nesscan.screen.chunks as chunks
kind, arg = sys.argv[1].split(":", 1)
calls = {"save": 0, "discard": 0}
def die():
    os.kill(os.getpid(), signal.SIGKILL)
save, discard, replace = chunks.ChunkStore.save, chunks.ChunkStore.discard, os.replace
def patched_save(self, index, chunk):
    save(self, index, chunk)
    calls["save"] += 1
    if kind == "save" and calls["save"] == int(arg):
        die()
    if kind == "slow":
        time.sleep(float(arg))
def patched_discard(self):
    calls["discard"] += 1
    if kind == "discard" and calls["discard"] == int(arg):
        die()
    discard(self)
def patched_replace(src, dst):
    if kind == "replace" and os.path.basename(dst) == arg:
        die()
    replace(src, dst)
chunks.ChunkStore.save, chunks.ChunkStore.discard, os.replace = patched_save, patched_discard, patched_replace
from nesscan.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(SRC)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _screen(fasta: Path, out: Path, *extra: str) -> int:
    """An uninterrupted screen in this process: its exit code."""
    return main(["screen", str(fasta), "-o", str(out), *CHUNK, *extra])


def _killed(fasta: Path, out: Path, kill: str, *extra: str) -> None:
    cmd = [sys.executable, "-c", WRAPPER, kill, "screen", str(fasta), "-o", str(out), *CHUNK, *extra]
    res = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300)
    assert res.returncode == -signal.SIGKILL, (kill, res.returncode, res.stderr)
    assert (out / ".partial" / "manifest.json").is_file()


def _resumed(fasta: Path, out: Path) -> dict[str, bytes]:
    assert _screen(fasta, out, "--resume") == 0
    assert not (out / ".partial").exists(), "the work folder outlived a finished screen"
    assert sorted(p.name for p in out.glob("*.tmp")) == []
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _chunk_files(out: Path) -> list[str]:
    return sorted(p.name for p in (out / ".partial").glob("chunk-*.npz"))


@pytest.fixture(scope="module")
def fasta(tmp_path_factory) -> Path:
    """60 proteins of 80-320 residues (11,687 in all), a third with a leucine-rich motif,
    one shorter than the window."""
    if not (default_model_dir() / "config.json").is_file():
        pytest.skip("no packaged default model")
    rng = np.random.default_rng(7)
    records = []
    for i in range(60):
        length = 15 if i == 5 else int(rng.integers(80, 320))
        seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), length))
        if i % 3 == 0 and length > 40:
            at = int(rng.integers(0, length - 12))
            seq = seq[:at] + "LQKLLEELDLK" + seq[at + 11:]
        records.append(f">sp|P{i:05d}|T{i}_HUMAN Test protein {i} OS=Homo sapiens GN=G{i}\n{seq}\n")
    path = tmp_path_factory.mktemp("resume") / "proteome.fasta"
    path.write_text("".join(records))
    return path


@pytest.fixture(scope="module")
def reference(fasta: Path, tmp_path_factory) -> dict[str, bytes]:
    """The outputs of an uninterrupted screen."""
    out = tmp_path_factory.mktemp("reference")
    assert _screen(fasta, out) == 0
    assert not (out / ".partial").exists()
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_reference_screen_has_several_chunks_and_candidates(fasta: Path, reference: dict[str, bytes],
                                                            tmp_path: Path) -> None:
    _killed(fasta, tmp_path, "discard:2")  # everything written, work folder not yet removed
    assert len(_chunk_files(tmp_path)) == 6
    assert reference["candidates.csv"].count(b"\n") > 5  # some candidates, so the CSVs are a real test


def test_kill_after_first_chunk_then_resume(fasta: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    _killed(fasta, tmp_path, "save:1")
    assert _chunk_files(tmp_path) == ["chunk-00000.npz"]
    assert not any((tmp_path / name).exists() for name in OUTPUTS)
    assert _resumed(fasta, tmp_path) == reference


def test_killed_again_and_again_at_every_stage(fasta: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    """Kills after 2 chunks, after 2 more (a resumed run killed), while chunk 5 is being
    written, during the final assembly (windows.parquet in place, the CSVs not yet; every
    file but importance.csv in place), and after everything was written: each resume continues, the bytes never change."""
    _killed(fasta, tmp_path, "save:2")
    assert len(_chunk_files(tmp_path)) == 2
    _killed(fasta, tmp_path, "save:2", "--resume")
    assert len(_chunk_files(tmp_path)) == 4
    _killed(fasta, tmp_path, "replace:chunk-00004.npz", "--resume")
    assert len(_chunk_files(tmp_path)) == 4 and (tmp_path / ".partial" / "chunk-00004.npz.tmp").is_file()
    _killed(fasta, tmp_path, "replace:candidates.csv", "--resume")
    assert (tmp_path / "windows.parquet").read_bytes() == reference["windows.parquet"]
    assert not (tmp_path / "candidates.csv").exists() and len(_chunk_files(tmp_path)) == 6
    _killed(fasta, tmp_path, "replace:importance.csv", "--resume")  # the last file renamed into place
    assert (tmp_path / "fdr.json").read_bytes() == reference["fdr.json"]
    assert not (tmp_path / "importance.csv").exists() and len(_chunk_files(tmp_path)) == 6
    _killed(fasta, tmp_path, "discard:1", "--resume")
    assert {name: (tmp_path / name).read_bytes() for name in OUTPUTS} == reference
    assert _resumed(fasta, tmp_path) == reference


def test_killed_from_outside_then_resumed(fasta: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    """A plain SIGKILL from another process once 3 chunk files exist."""
    cmd = [sys.executable, "-c", WRAPPER, "slow:0.5", "screen", str(fasta), "-o", str(tmp_path), *CHUNK]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / ".partial").is_dir() or len(_chunk_files(tmp_path)) < 3:
            assert proc.poll() is None and time.monotonic() < deadline, "screen ended before it could be killed"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and 3 <= len(_chunk_files(tmp_path)) < 6
    assert _resumed(fasta, tmp_path) == reference


def test_resume_with_other_inputs_is_one_clear_error(fasta: Path, tmp_path: Path, capsys) -> None:
    _killed(fasta, tmp_path, "save:1")
    other = tmp_path.parent / "other.fasta"
    other.write_text(fasta.read_text().replace("LQKLLEELDLK", "LQKLLEELDLR"))
    for extra, what in (([str(other)], "fasta_sha256"), ([str(fasta), "--seed", "1"], "seed"),
                        ([str(fasta), "--threshold", "0.5"], "threshold")):
        code = main(["screen", *extra, "-o", str(tmp_path), *CHUNK, "--resume"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 1 and len(err) == 1, err
        assert what in err[0] and "rerun without --resume" in err[0] and ".partial" in err[0]
    assert _chunk_files(tmp_path) == ["chunk-00000.npz"], "a refused resume changed the work folder"


def test_resume_with_another_model_is_refused(fasta: Path, tmp_path: Path, capsys) -> None:
    from nesscan.model.classifier import WindowTransformer
    from nesscan.model.store import save_model
    from nesscan.predictor import Predictor

    default = Predictor.load(Path(__file__).parent / "models" / "physchem_transformer")
    module = WindowTransformer(default.config.in_dim, default.window, default.config.params)  # fresh random weights
    other = save_model(tmp_path / "model", module, default.config.replace(weights_sha256=None),
                       default.known_nes, {})
    out = tmp_path / "out"
    _killed(fasta, out, "save:1")
    code = main(["screen", str(fasta), "-o", str(out), *CHUNK, "--model", str(other), "--resume"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "weights_sha256" in err[0], err


def test_a_fresh_screen_discards_an_old_work_folder(fasta: Path, reference: dict[str, bytes],
                                                    tmp_path: Path) -> None:
    """Without --resume the chunks of an interrupted screen are not reused, even when a
    chunk file was tampered with."""
    _killed(fasta, tmp_path, "save:2")
    (tmp_path / ".partial" / "chunk-00000.npz").write_bytes(b"not a chunk")
    assert _screen(fasta, tmp_path) == 0
    assert {name: (tmp_path / name).read_bytes() for name in OUTPUTS} == reference
    assert not (tmp_path / ".partial").exists()


@pytest.mark.slow
def test_resume_of_a_finished_screen_says_it_is_finished(fasta: Path, tmp_path: Path, capsys) -> None:
    """``--resume`` on a folder whose screen finished: one line saying so and naming --overwrite
    (it used to say "pass ... --resume to continue an interrupted one"); nothing changes."""
    out = tmp_path / "out"
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1", "--resume"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert f"{out}: already holds a finished screen" in err[0] and "pass --overwrite" in err[0], err[0]
    assert "--resume to continue" not in err[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
