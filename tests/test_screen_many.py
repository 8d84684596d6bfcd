"""Several FASTA files in one ``nesscan screen`` call, outputs through a pyarrow filesystem
URI, ``--engine ray`` without Ray installed, and the GPUs it asks of Ray (the Ray engine itself:
``test_ray.py``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from nesscan.cli import main
from nesscan.io.fasta import proteome_name

OUTPUTS = ("windows.parquet", "candidates.csv", "proteins.csv", "fdr.json", "importance.csv")


def _fasta(path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWYLLLIV"))
    with open(path, "w") as handle:
        for i in range(n):
            handle.write(f">sp|Q{seed}{i:04d}|T{i}_YEAST test\n"
                         f"{''.join(rng.choice(letters, int(rng.integers(15, 600))))}\n")
    return path


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_proteome_name():
    assert proteome_name("/x/UP000002311-S.cerevisiae.fasta.gz") == "UP000002311-S.cerevisiae"
    assert proteome_name("b.fa") == "b"
    assert proteome_name("c.faa.gz") == "c"
    assert proteome_name("plain") == "plain"


@pytest.mark.slow
def test_two_proteomes_through_a_uri_match_single_screens(tmp_path, monkeypatch):
    """``screen a.fa b.fasta -o file://OUT``: OUT/a/ and OUT/b/ hold the bytes of each file's
    own screen; the staging folder is gone after the upload."""
    a, b = _fasta(tmp_path / "a.fa", 12, 1), _fasta(tmp_path / "b.fasta", 8, 2)
    for f in (a, b):
        assert main(["screen", str(f), "-o", str(tmp_path / f"single-{f.stem}"), "--workers", "1"]) == 0
    monkeypatch.setenv("NESSCAN_STAGING", str(tmp_path / "staging"))
    assert main(["screen", str(a), str(b), "-o", f"file://{tmp_path}/many", "--workers", "1"]) == 0
    assert _outputs(tmp_path / "many" / "a") == _outputs(tmp_path / "single-a")
    assert _outputs(tmp_path / "many" / "b") == _outputs(tmp_path / "single-b")
    assert (tmp_path / "many" / "a" / "screen.json").is_file()
    assert not (tmp_path / "many" / "a" / ".partial").exists()
    assert not any((tmp_path / "staging").iterdir())


@pytest.mark.slow
def test_a_bad_later_fasta_leaves_nothing_new(tmp_path, capsys, monkeypatch):
    """``screen a.fa b.fa -o OUT`` with a bad record in b: one error line, and no OUT/a/ left
    behind (it used to be, and the next ``--overwrite`` of OUT refused it as a foreign file)."""
    import nesscan.screen.proteomes as proteomes

    a, b = _fasta(tmp_path / "a.fa", 3, 1), _fasta(tmp_path / "b.fa", 3, 2)
    b.write_text(b.read_text() + ">sp|Q9|BAD_YEAST bad\nMKVL1AG\n")
    out = tmp_path / "out"
    assert main(["screen", str(a), str(b), "-o", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(b) in err[0] and "Q9" in err[0], err
    assert not out.exists()
    # a failure only met while screening b (here: its up-front check skipped) removes a's new folder too
    monkeypatch.setattr(proteomes, "check_fastas", lambda fastas: None)
    out.mkdir()
    assert main(["screen", str(a), str(b), "-o", str(out), "--workers", "1"]) == 1
    assert list(out.iterdir()) == []
    assert main(["screen", str(a), "-o", str(out), "--workers", "1", "--overwrite"]) == 0


@pytest.mark.slow
def test_resume_of_several_skips_the_finished_ones(tmp_path, capsys):
    """``screen a.fa b.fa -o OUT --resume`` after a call that finished a but not b (killed): a is
    kept as it is, b is screened (a used to stop the resume: "OUT/a: not empty")."""
    a, b = _fasta(tmp_path / "a.fa", 4, 1), _fasta(tmp_path / "b.fa", 3, 2)
    out = tmp_path / "out"
    argv = ["screen", str(a), str(b), "-o", str(out), "--workers", "1"]
    assert main(argv) == 0
    first = {p.name: p.read_bytes() for p in (out / "a").iterdir()}
    reference = _outputs(out / "b")
    shutil.rmtree(out / "b")  # as if killed before b was screened
    assert main(argv + ["--resume"]) == 0, capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "a").iterdir()} == first  # screen.json too: not redone
    assert _outputs(out / "b") == reference
    capsys.readouterr()
    assert main(argv + ["--resume", "--decoy-seed", "1"]) == 1  # another setting: a is not that screen
    assert "already holds a finished screen" in capsys.readouterr().err


def test_same_names_refused(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    a, b = _fasta(tmp_path / "a.fa", 2, 1), _fasta(tmp_path / "x" / "a.fasta", 2, 2)
    assert main(["screen", str(a), str(b), "-o", str(tmp_path / "out")]) == 1
    assert "share the output folder a/" in capsys.readouterr().err


def test_engine_ray_without_ray_is_one_error_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    assert main(["screen", str(_fasta(tmp_path / "a.fa", 2, 1)), "-o", str(tmp_path / "o"), "--engine", "ray"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["nesscan screen: error: --engine ray needs Ray: pip install 'nesscan[ray]'"]


class _Stop(Exception):
    pass


def _device_asked_of_ray(monkeypatch, tmp_path: Path, model: Path | None) -> str | None:
    """The device that ``screen_proteomes(..., engine="ray")`` hands to the Ray engine (which
    turns ``cuda`` into one GPU per actor) under ``--device cuda``; no cluster is started."""
    from nesscan.runtime import Runtime
    from nesscan.screen import ray_engine
    from nesscan.screen.proteomes import screen_proteomes

    asked = []

    def fake(address, workers=None, device=None, threads=1):
        asked.append(device)
        raise _Stop

    monkeypatch.setattr(ray_engine, "RayEngine", fake)
    try:
        screen_proteomes([_fasta(tmp_path / "a.fa", 2, 1)], str(tmp_path / "o"), engine="ray",
                         model_dir=model, runtime=Runtime(device="cuda"))
    except _Stop:
        pass
    return asked[0]


def test_ray_asks_a_gpu_only_for_a_model_that_computes_on_it(tmp_path, monkeypatch):
    """The default (numpy classifier, metapredict on the CPU) takes CPU actors whatever
    ``--device``; a Transformer model takes one GPU per actor."""
    from nesscan.model.store import read_config
    from nesscan.predictor import uses_device

    transformer = Path(__file__).parent / "models" / "physchem_transformer"
    assert not uses_device(read_config()[0]) and uses_device(read_config(transformer)[0])
    assert _device_asked_of_ray(monkeypatch, tmp_path, None) is None
    assert _device_asked_of_ray(monkeypatch, tmp_path, transformer) == "cuda"
