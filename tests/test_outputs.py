"""Output folders a user can trust (issue 13): who owns a screen folder, failed screens
leave nothing behind, derived files know their screen, serve finds a moved FASTA, the
summary line says when calls cannot be told from decoys."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.cli import main
from nesscan.model.store import default_model_dir


@pytest.fixture(scope="module")
def fasta(tmp_path_factory) -> Path:
    if not (default_model_dir() / "config.json").is_file():
        pytest.skip("no packaged default model")
    rng = np.random.default_rng(3)
    records = []
    for i in range(24):
        seq = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), int(rng.integers(60, 200))))
        if i % 3 == 0:
            seq = seq[:20] + "LQKLLEELDLK" + seq[31:]
        records.append(f">sp|P{i:05d}|T{i}_HUMAN Test protein {i} OS=Homo sapiens GN=G{i}\n{seq}\n")
    path = tmp_path_factory.mktemp("proteome") / "proteome.fasta"
    path.write_text("".join(records))
    return path


@pytest.fixture(scope="module")
def screened(fasta: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("screened") / "screen"
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1"]) == 0
    return out


def _copy(screened: Path, where: Path) -> Path:
    shutil.copytree(screened, where)
    return where


def _errors(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


# ----------------------------------------------------------------------------- item 2


def test_a_screen_refuses_a_folder_holding_an_earlier_screen(fasta: Path, screened: Path, tmp_path: Path,
                                                              capsys) -> None:
    out = _copy(screened, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1"]) == 1
    err = _errors(capsys)
    assert len(err) == 1 and str(out) in err[0] and "--overwrite" in err[0], err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_overwrite_replaces_the_earlier_screen_whole(fasta: Path, screened: Path, tmp_path: Path) -> None:
    out = _copy(screened, tmp_path / "out")
    stale = pd.read_csv(out / "candidates.csv").assign(plddt_window=50.0)
    stale.to_csv(out / "structure.csv", index=False)
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1", "--threshold", "0.99",
                 "--overwrite"]) == 0
    assert not (out / "structure.csv").exists()  # derived from the earlier screen: gone with it
    assert sorted(p.name for p in out.iterdir()) == ["candidates.csv", "fdr.json", "importance.csv", "proteins.csv",
                                                     "screen.json", "windows.parquet"]
    assert json.loads((out / "screen.json").read_text())["config"]["threshold"] == 0.99


def test_overwrite_never_deletes_files_nesscan_did_not_write(fasta: Path, screened: Path, tmp_path: Path,
                                                             capsys) -> None:
    out = _copy(screened, tmp_path / "out")
    (out / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1", "--overwrite"]) == 1
    err = _errors(capsys)
    assert len(err) == 1 and "notes.txt" in err[0] and "did not write" in err[0], err
    assert (out / "notes.txt").read_text() == "mine" and (out / "candidates.csv").is_file()


def test_resume_takes_a_folder_with_an_interrupted_screen(fasta: Path, screened: Path, tmp_path: Path) -> None:
    from nesscan.screen.outputs import claim_screen_folder

    out = tmp_path / "out"
    out.mkdir()
    claim = claim_screen_folder(out)
    (out / ".partial").mkdir()
    (out / ".partial" / "manifest.json").write_text("{}")
    claim.rollback()  # an interruption keeps the work folder...
    assert (out / ".partial" / "manifest.json").is_file()
    (out / "structure.csv").write_text("stale\n")
    claim_screen_folder(out, resume=True).commit()  # ...and --resume takes the folder
    assert not (out / "structure.csv").exists() and (out / ".partial").is_dir()


def test_structure_csv_records_its_screen_and_serve_ignores_a_stale_one(screened: Path, tmp_path: Path) -> None:
    from nesscan.screen.outputs import derived_status, write_provenance

    from nesscan.web.screens import find_screens

    out = _copy(screened, tmp_path / "out")
    pd.read_csv(out / "candidates.csv").assign(plddt_window=80.0).to_csv(out / "structure.csv", index=False)
    write_provenance(out / "structure.csv", out / "candidates.csv")
    assert derived_status(out / "structure.csv", out / "candidates.csv") is None
    assert find_screens(out)["out"].table.name == "structure.csv"
    pd.read_csv(out / "candidates.csv").head(2).to_csv(out / "candidates.csv", index=False)  # a new screen's
    reason = derived_status(out / "structure.csv", out / "candidates.csv")
    assert reason and "earlier" in reason
    screen = find_screens(out)["out"]
    assert screen.table.name == "candidates.csv" and screen.stale_structure == reason


def test_serve_flags_a_stale_structure_csv_on_the_page_and_in_the_api(screened: Path, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from nesscan.web.app import create_app

    out = _copy(screened, tmp_path / "out")
    pd.read_csv(out / "candidates.csv").head(1).assign(plddt_window=80.0).to_csv(out / "structure.csv",
                                                                                 index=False)
    client = TestClient(create_app(screen_dir=out), base_url="http://localhost")
    page = client.get("/browse").text
    assert "stale-structure" in page and "structure.csv ignored" in page
    listed = client.get("/api/screens").json()[0]
    assert listed["table"] == "candidates.csv" and listed["stale_structure"]


def test_report_does_not_report_a_stale_structure_csv(tmp_path: Path) -> None:
    from nesscan.report.data import ScreenData
    from nesscan.report.structure import structure_section

    folder = tmp_path / "screen" / "X"
    folder.mkdir(parents=True)
    pd.DataFrame({"accession": ["P1"], "start": [1], "score": [0.95]}).to_csv(folder / "candidates.csv", index=False)
    pd.DataFrame({"accession": ["P2"], "start": [5], "score": [0.97], "structure_status": ["ok"],
                  "structural_score": [0.5]}).to_csv(folder / "structure.csv", index=False)
    screen = ScreenData.__new__(ScreenData)
    object.__setattr__(screen, "name", "X")
    object.__setattr__(screen, "path", folder)
    blocks, figs = structure_section([screen])
    text = " ".join(getattr(b, "text", "") for b in blocks)
    assert not figs and "not reported" in text


# ----------------------------------------------------------------------------- item 3


def test_screen_json_records_an_absolute_fasta_and_its_checksum(fasta: Path, tmp_path: Path,
                                                                monkeypatch) -> None:
    from nesscan.hashing import sha256_file

    monkeypatch.chdir(fasta.parent)
    out = tmp_path / "out"
    assert main(["screen", fasta.name, "-o", str(out), "--workers", "1"]) == 0
    config = json.loads((out / "screen.json").read_text())["config"]
    assert Path(config["fasta"]).is_absolute() and Path(config["fasta"]) == fasta.resolve()
    assert config["fasta_sha256"] == sha256_file(fasta)


def test_serve_finds_a_moved_fasta_by_its_checksum(fasta: Path, screened: Path, tmp_path: Path) -> None:
    from nesscan.screen.outputs import find_fasta

    from nesscan.web.screens import find_screens

    run = tmp_path / "moved"
    run.mkdir()
    out = _copy(screened, run / "screen")
    shutil.copy(fasta, run / "renamed.fasta")
    (run / "decoy.fasta").write_text(">sp|P00000|X\nMKV\n")
    record = json.loads((out / "screen.json").read_text())
    record["config"]["fasta"] = "/nowhere/proteome.fasta"
    (out / "screen.json").write_text(json.dumps(record))
    screen = find_screens(out)["screen"]
    assert screen.fasta() == run / "renamed.fasta"
    assert screen.sequence("P00000") and len(screen.sequence("P00000")) > 50
    assert find_fasta(out, "/nowhere/proteome.fasta", "0" * 64) is None


# ----------------------------------------------------------------------------- item 4


def test_a_failed_screen_leaves_no_new_folder(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text("this is not a FASTA file\n")
    out = tmp_path / "new" / "out"
    assert main(["screen", str(bad), "-o", str(out), "--workers", "1"]) == 1
    assert not out.exists()


def test_a_failed_overwrite_leaves_the_earlier_screen(screened: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text("this is not a FASTA file\n")
    out = _copy(screened, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(["screen", str(bad), "-o", str(out), "--workers", "1", "--overwrite"]) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ----------------------------------------------------------------------------- item 5


def test_summary_line_gives_calls_at_fdr_10_and_warns_when_calls_look_like_decoys(fasta: Path, tmp_path: Path,
                                                                                   capsys) -> None:
    out = tmp_path / "out"
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1", "--threshold", "0.05",
                 "--decoy-fraction", "1"]) == 0
    err = _errors(capsys)
    fdr = json.loads((out / "fdr.json").read_text())
    summary = next(line for line in err if "candidates at >=" in line)
    assert "at FDR 10%" in summary and "calls at the threshold" in summary
    assert fdr["fdr_at_model_threshold"] > 0.5
    warnings = [line for line in err if "warning" in line]
    assert len(warnings) == 1 and "cannot be told from shuffled decoys" in warnings[0]


def test_report_fdr_section_is_a_table_without_none(tmp_path: Path) -> None:
    from nesscan.report.data import ScreenData
    from nesscan.report.render import to_html
    from nesscan.report.tables import fdr_table

    fdr = {"decoys": "shuffle", "n_target_windows": 194203, "n_decoy_windows": 54320, "n_proteins": 400,
           "n_decoy_proteins": 109, "threshold_at_fdr_5": None, "threshold_at_fdr_10": None,
           "fdr_at_0.9": 0.90, "fdr_at_model_threshold": 0.89, "lowest_q_value": 0.74,
           "calls_at_0.9": 809, "novel_calls_at_0.9": 807, "calls_per_100_proteins_at_0.9": 202.25,
           "calls_at_model_threshold": 528, "novel_calls_at_model_threshold": 526,
           "calls_per_100_proteins_at_model_threshold": 132.0, "calls_at_fdr_10": 0, "calls_at_fdr_5": 0,
           "thresholds": {"0.9": 0.9, "model_threshold": 0.917, "fdr_5": None, "fdr_10": None}}
    screen = ScreenData.__new__(ScreenData)
    object.__setattr__(screen, "name", "UP000002311-S.cerevisiae")
    object.__setattr__(screen, "fdr", fdr)
    table = fdr_table(screen)
    assert table.header[:3] == ("threshold", "score cut-off", "estimated FDR")
    assert [r[0] for r in table.rows] == ["fixed 0.9 (original method)", "model threshold", "FDR 10%", "FDR 5%"]
    assert table.rows[1][2] == "0.89" and table.rows[1][3] == "528" and table.rows[2][1] == "none reached"
    html = to_html([table], {}, "t")
    assert "None" not in html and "<table" in html


def test_browse_opens_on_a_target_proteome_not_the_control(screened: Path, tmp_path: Path) -> None:
    from nesscan.web.screens import find_screens

    for name in ("UP000000625-E.coli", "UP000002311-S.cerevisiae"):
        _copy(screened, tmp_path / "screen" / name)
    assert list(find_screens(tmp_path)) == ["UP000002311-S.cerevisiae", "UP000000625-E.coli"]


def test_a_run_folder_is_reused_only_with_overwrite_or_resume(tmp_path: Path, data_dir: Path, capsys) -> None:
    from nesscan.errors import NesscanError
    from nesscan.screen.outputs import claim_run_folder

    run = tmp_path / "run"
    (run / "screen" / "X").mkdir(parents=True)
    (run / "run.json").write_text("{}")
    (run / "screen" / "X" / "structure.csv").write_text("stale\n")
    with pytest.raises(NesscanError, match="not empty.*--overwrite"):
        claim_run_folder(run)
    claim_run_folder(run, resume=True).commit()
    assert (run / "screen" / "X" / "structure.csv").is_file()  # resumed screens replace their own outputs
    failed = claim_run_folder(run, overwrite=True)
    assert not (run / "run.json").exists()
    failed.rollback()  # a failed overwrite gives the earlier run back
    assert (run / "run.json").is_file()
    claim_run_folder(run, overwrite=True).commit()
    assert sorted(p.name for p in run.iterdir()) == []
    (run / "run.json").write_text("{}")
    capsys.readouterr()
    assert main(["run", "--data", str(data_dir), "-o", str(run)]) == 1  # refused before training
    err = _errors(capsys)
    assert len(err) == 1 and str(run) in err[0] and "--overwrite" in err[0], err
