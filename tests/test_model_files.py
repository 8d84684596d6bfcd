"""A damaged model directory is one error line from every command that loads it (issue 13
items 7 and 8): bad ``config.json`` values and a malformed or missing ``known_nes.tsv``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nesscan.cli import main
from nesscan.model.store import default_model_dir

FASTA = ">sp|P61925|IPKA_HUMAN PKI-alpha\nMTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES\n"


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    return Path(shutil.copytree(default_model_dir(), tmp_path / "model"))


def _config(model: Path, **change) -> None:
    raw = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**raw, **change}))


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def _commands(model: Path, tmp_path: Path) -> list[list[str]]:
    fasta = tmp_path / "p.fasta"
    fasta.write_text(FASTA)
    return [["screen", str(fasta), "-o", str(tmp_path / "out"), "--model", str(model)],
            ["serve", "--model", str(model), "--port", "0"]]


@pytest.mark.parametrize("change, words", [
    ({"threshold": "high"}, "'threshold' must be a number"),
    ({"threshold": 1.5}, "between 0 and 1"),
    ({"threshold": -0.2}, "between 0 and 1"),
    ({"context": "nucleus"}, "unknown context 'nucleus'"),
    ({"format": 99}, "unknown model config format 99"),
])
def test_a_bad_config_value_is_one_line_from_screen_and_serve(model, tmp_path, capsys, change, words):
    _config(model, **change)
    for argv in _commands(model, tmp_path):
        code, err = _run(argv, capsys)
        assert code == 1, argv
        assert err.count("\n") == 1 and "Traceback" not in err and words in err and "config.json" in err
    assert not (tmp_path / "out").exists()  # a refused screen leaves nothing new


@pytest.mark.parametrize("text, words", [
    ("acc\tfrom\tto\nP1\t3\t9\n", "missing column(s) accession, start_1b, end_1b, nes_ids"),
    ("accession\tstart_1b\tend_1b\tdoubtful\tnes_ids\nP1\tten\t20\tFalse\tx\n", "row 2: not an accession"),
    ("accession\tstart_1b\tend_1b\tdoubtful\tnes_ids\nP1\t30\t20\tFalse\tx\n", "row 2: not an accession"),
    ("accession\tstart_1b\tend_1b\tdoubtful\tnes_ids\nP1\t3\t20\tFalse\tx\nP2\t0\t5\tFalse\ty\n", "row 3:"),
    (None, "missing (every model directory"),
])
def test_a_bad_or_missing_known_nes_table_is_one_line(model, tmp_path, capsys, text, words):
    path = model / "known_nes.tsv"
    if text is None:
        path.unlink()
    else:
        path.write_text(text)
    for argv in _commands(model, tmp_path):
        code, err = _run(argv, capsys)
        assert code == 1, argv
        assert err.count("\n") == 1 and "Traceback" not in err and words in err and "known_nes.tsv" in err
