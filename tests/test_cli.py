"""The command line: documented commands, one-line errors naming the file, safe outputs."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nesscan.cli import COMMANDS, build_parser, main
from nesscan.model.store import default_model_dir

SRC = Path(__file__).resolve().parents[1] / "src"
SCREEN_OUTPUTS = ("windows.parquet", "candidates.csv", "proteins.csv")


def _help(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return capsys.readouterr().out


def _example_block(text: str) -> list[str]:
    """The lines from the last ``Example:`` line to the end (the help must end with it)."""
    lines = text.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Example:")]
    assert starts, "no line starting with 'Example:'"
    block = lines[starts[-1]:]
    assert len(block) >= 2, "'Example:' must be followed by a command"
    assert all(line.startswith("  ") for line in block[1:]), "the example must end the help"
    return block


def test_the_command_list_is_the_parser() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub.choices) == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_ends_with_an_example(command: str, capsys) -> None:
    block = _example_block(_help([command, "--help"], capsys))
    assert block[1].strip().startswith(f"nesscan {command}"), block


def test_top_level_help_and_no_command(capsys) -> None:
    text = _help(["--help"], capsys)
    _example_block(text)
    for command in COMMANDS:
        assert command in text
    assert main([]) == 2  # usage: help, and a non-zero status
    assert "usage: nesscan" in capsys.readouterr().out


def test_python_m_nesscan_help() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-m", "nesscan", "--help"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "Example:" in res.stdout and all(c in res.stdout for c in COMMANDS)
    assert res.stderr == ""


# ------------------------------------------------------------------------------ bad inputs


def _one_line_error(argv: list[str], capsys, *names: str | Path) -> str:
    """Run ``nesscan argv``; it must fail with exactly one stderr line naming ``names``."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith(f"nesscan {argv[0]}: error: ")
    for name in names:
        assert str(name) in lines[0], f"{name} not named in: {lines[0]}"
    return lines[0]


def test_screen_missing_fasta(tiny_model: Path, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "absent.fasta"
    _one_line_error(["screen", missing, "-o", tmp_path / "out", "--model", tiny_model], capsys, missing)


def test_screen_fasta_with_invalid_characters(tiny_model: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text(">sp|P11111|GOOD_HUMAN ok\n" + "MKVLAAGIRS" * 4 + "\n>sp|P22222|BAD_HUMAN bad\nMKVL1AG#\n")
    line = _one_line_error(["screen", bad, "-o", tmp_path / "out", "--model", tiny_model], capsys, bad)
    assert "P22222" in line and "'1'" in line


def test_screen_truncated_gzip(tiny_model: Path, tiny_data: Path, tmp_path: Path, capsys) -> None:
    data = gzip.compress((tiny_data / "proteomes" / "tiny.fasta").read_bytes())
    cut = tmp_path / "cut.fasta.gz"
    cut.write_bytes(data[: len(data) // 2])
    line = _one_line_error(["screen", cut, "-o", tmp_path / "out", "--model", tiny_model], capsys, cut)
    assert "gzip" in line


def test_screen_with_altered_weights(tiny_model: Path, tiny_data: Path, tmp_path: Path, capsys) -> None:
    bad = Path(shutil.copytree(tiny_model, tmp_path / "model"))
    weights = bad / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    _one_line_error(["screen", tiny_data / "proteomes" / "tiny.fasta", "-o", tmp_path / "out", "--model", bad],
                    capsys, weights)


def test_train_with_incomplete_data_folder(tiny_data: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    shutil.copytree(tiny_data / "nesdb", data / "nesdb")  # no negatives/
    _one_line_error(["train", "--data", data, "-o", tmp_path / "model"], capsys, data,
                    "negatives/mitochondrial_proteins.csv")
    assert not (tmp_path / "model").exists()


def test_train_without_a_data_folder(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("NESSCAN_DATA", raising=False)
    line = _one_line_error(["train", "-o", tmp_path / "model"], capsys)
    assert "--data" in line and "NESSCAN_DATA" in line


def test_train_nesdb_missing_a_column(tiny_data: Path, tmp_path: Path, capsys) -> None:
    data = Path(shutil.copytree(tiny_data, tmp_path / "data"))
    csv = data / "nesdb" / "NesDB_all_CRM1_with_peptides.csv"
    pd.read_csv(csv).drop(columns=["Merged ranges"]).to_csv(csv, index=False)
    line = _one_line_error(["train", "--data", data, "-o", tmp_path / "model"], capsys, csv)
    assert "Merged ranges" in line
    assert not (tmp_path / "model").exists()


def test_train_with_a_missing_esm2_directory(tiny_data: Path, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no_such_esm"
    _one_line_error(["train", "--data", tiny_data, "-o", tmp_path / "model", "--classifier", "transformer",
                     "--embedder", "esm2", "--esm-model", missing], capsys, missing)


def test_embedder_options_need_the_transformer(tiny_data: Path, tmp_path: Path, capsys) -> None:
    line = _one_line_error(["train", "--data", tiny_data, "-o", tmp_path / "model", "--embedder", "esm2"], capsys)
    assert "--classifier transformer" in line
    assert not (tmp_path / "model").exists()


def test_evaluate_a_folder_that_is_not_a_model(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "not_a_model"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello\n")
    _one_line_error(["evaluate", folder, "-o", tmp_path / "eval"], capsys, folder)
    assert not (tmp_path / "eval").exists()


def test_evaluate_defaults_to_the_shipped_model(tmp_path: Path, capsys, monkeypatch) -> None:
    """``nesscan evaluate -o EV`` evaluates the shipped model, as its help says (it used to stop
    with "no model: pass --model DIR")."""
    import nesscan.pipeline

    help_text = " ".join(_help(["evaluate", "--help"], capsys).split())
    assert "--model DIR model directory (default: the model shipped with nesscan)" in help_text
    seen = []
    monkeypatch.setattr(nesscan.pipeline, "evaluate", lambda model, out, **kw: seen.append((Path(model), out)))
    assert main(["evaluate", "-o", str(tmp_path / "ev")]) == 0, capsys.readouterr().err
    assert seen == [(default_model_dir(), str(tmp_path / "ev"))]


# ------------------------------------------------------------------------- outputs are safe


@pytest.fixture()
def good_screen(tiny_model: Path, tiny_data: Path, tmp_path: Path, capsys) -> Path:
    out = tmp_path / "screen"
    assert main(["screen", str(tiny_data / "proteomes" / "tiny.fasta"), "-o", str(out),
                 "--model", str(tiny_model)]) == 0
    capsys.readouterr()
    return out


def test_cli_screen_writes_outputs_and_logs_to_stderr(tiny_model: Path, tiny_data: Path, tmp_path: Path,
                                                      capsys) -> None:
    out = tmp_path / "screen"
    code = main(["screen", str(tiny_data / "proteomes" / "tiny.fasta"), "-o", str(out), "--model", str(tiny_model)])
    captured = capsys.readouterr()
    assert code == 0
    for name in SCREEN_OUTPUTS + ("screen.json",):
        assert (out / name).is_file(), name
    assert captured.out == ""  # results go to files; stdout stays clean
    assert "20 proteins" in captured.err and "1 proteins shorter than the window" in captured.err


def test_progress_lines_reach_a_log_file_as_they_happen(tmp_path: Path) -> None:
    """Not a terminal: each line is on disk (flushed) as soon as it is due, before the work ends;
    none in the first seconds, then one per 10% of the total, one at least every interval while
    work advances, one at the end."""
    from nesscan.cli.common import LineProgress, Reporter

    with open(tmp_path / "other", "w") as stream, Reporter(stream=stream).progress("x") as progress:
        assert isinstance(progress, LineProgress)
    log = tmp_path / "log"
    now = [0.0]
    with open(log, "w", buffering=1 << 20) as stream:  # a big buffer: only a flush puts lines on disk
        progress = LineProgress(stream, "screening", clock=lambda: now[0])
        progress(25, 200)  # a command that ends in its first seconds logs no progress
        assert log.read_text() == ""
        now[0] = 10.0
        progress(25, 200)
        assert log.read_text().splitlines()[-1].endswith("screening: 25/200 (12%)")
        progress(26, 200)  # too soon for another line
        now[0] = 41.0
        progress(27, 200)  # no new 10% step, but 30 s since the last line
        for done in range(28, 201):
            progress(done, 200)
    lines = [line[11:] for line in log.read_text().splitlines()]
    assert lines[:3] == ["screening: 25/200 (12%)", "screening: 27/200 (14%)", "screening: 40/200 (20%)"]
    assert lines[3:] == [f"screening: {n}/200 ({n // 2}%)" for n in range(60, 201, 20)]


def test_screen_with_stderr_to_a_file_logs_progress(tiny_model: Path, tiny_data: Path, tmp_path: Path,
                                                    monkeypatch) -> None:
    """``nesscan screen ... 2> log``: progress lines (it used to write none until the end)."""
    from nesscan.cli.common import LineProgress

    monkeypatch.setattr(LineProgress, "QUIET", 0.0)  # this screen takes a second or two
    log = tmp_path / "log"
    with open(log, "w") as stream:
        monkeypatch.setattr(sys, "stderr", stream)
        assert main(["screen", str(tiny_data / "proteomes" / "tiny.fasta"), "-o", str(tmp_path / "out"),
                     "--model", str(tiny_model), "--workers", "1", "--chunk-floats", "1"]) == 0
    text = log.read_text()
    progress = [line for line in text.splitlines() if "] screening: " in line]
    assert len(progress) >= 2 and progress[-1].endswith("screening: 20/20 (100%)"), text
    assert text.index("(100%)") < text.index("20 proteins")  # progress first, the summary after


def test_failed_screen_keeps_earlier_results(good_screen: Path, tiny_model: Path, tmp_path: Path,
                                            capsys) -> None:
    before = {p.name: p.read_bytes() for p in good_screen.iterdir()}
    assert set(SCREEN_OUTPUTS) <= set(before)
    bad = tmp_path / "bad.fasta"
    bad.write_text(">sp|P11111|GOOD_HUMAN ok\n" + "MKVLAAGIRS" * 4 + "\n>sp|P22222|BAD_HUMAN bad\nMKV*LL\n")
    _one_line_error(["screen", bad, "-o", good_screen, "--model", tiny_model, "--overwrite"], capsys, bad)
    after = {p.name: p.read_bytes() for p in good_screen.iterdir() if not p.name.endswith(".tmp")}
    assert after == before, "a failed screen changed an earlier result"


def test_failed_screen_leaves_no_temporary_files(good_screen: Path, tiny_model: Path, tmp_path: Path,
                                                 capsys) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text(">sp|P11111|GOOD_HUMAN ok\n" + "MKVLAAGIRS" * 4 + "\n>sp|P22222|BAD_HUMAN bad\nMKV*LL\n")
    _one_line_error(["screen", bad, "-o", good_screen, "--model", tiny_model, "--overwrite"], capsys, bad)
    assert sorted(p.name for p in good_screen.glob("*.tmp")) == []


def test_screen_with_the_packaged_default_model(tiny_data: Path, tmp_path: Path, capsys) -> None:
    default = default_model_dir()
    if not (default / "config.json").is_file():
        pytest.skip(f"no packaged default model at {default} (shipped by the lead later)")
    raw = json.loads((default / "config.json").read_text())
    spec = raw["embedder"] if "embedder" in raw else raw["features"]["tracks"][0]
    if spec.get("name") not in ("physchem", "metapredict_plddt"):  # needs weights that may not be here
        from nesscan.embed import get_embedder
        from nesscan.errors import NesscanError

        try:
            get_embedder(spec)
        except NesscanError as err:
            pytest.skip(f"the default model's embedder is not available offline: {err}")
    fasta = tmp_path / "small.fasta"
    records = (tiny_data / "proteomes" / "tiny.fasta").read_text().split(">")[1:6]
    fasta.write_text("".join(">" + r for r in records))
    out = tmp_path / "screen"
    assert main(["screen", str(fasta), "-o", str(out)]) == 0, capsys.readouterr().err
    for name in SCREEN_OUTPUTS:
        assert (out / name).is_file(), name
    windows = pd.read_parquet(out / "windows.parquet")
    assert len(windows) > 0 and windows.score.between(0, 1).all()


def test_options_that_do_not_apply_are_ignored_or_refused(tmp_path, capsys) -> None:
    """--esm-model means nothing to the weight-free default model; --device moves its
    classifier, so a GPU that is not there is one clear error; an unknown embedder option
    in the library is one clear error, not a TypeError."""
    import torch

    from nesscan.embed import get_embedder
    from nesscan.errors import NesscanError

    with pytest.raises(NesscanError, match="do not apply"):
        get_embedder("physchem", device="cuda")
    fasta = tmp_path / "one.fa"
    fasta.write_text(">sp|P1|A_HUMAN x\nMKLLLAALLLEELLKKLLAALLLLKK\n")
    from nesscan.model.store import default_model_dir
    if not (default_model_dir() / "config.json").is_file():
        pytest.skip("no packaged default model")
    assert main(["screen", str(fasta), "-o", str(tmp_path / "out"), "--device", "cpu", "--workers", "1"]) == 0
    capsys.readouterr()
    if not torch.cuda.is_available():
        assert main(["screen", str(fasta), "-o", str(tmp_path / "gpu"), "--device", "cuda"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "no CUDA GPU" in err[0]


def test_output_path_that_is_a_file_is_one_line(tmp_path, capsys) -> None:
    fasta = tmp_path / "one.fa"
    fasta.write_text(">sp|P1|A_HUMAN x\nMKLLLAALLLEELLKKLLAALLLLKK\n")
    assert main(["screen", str(fasta), "-o", str(fasta)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(fasta) in err[0]
