"""The report's structure section and the structure step of `nesscan report` / `nesscan run`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from test_report import HUMAN, make_run

from nesscan.report import write_report
from nesscan.structure import COLUMNS

pytestmark = pytest.mark.slow  # each test writes a report with its figures (5-15 s)


def _fake_structure(screen: Path) -> pd.DataFrame:
    """structure.csv for a synthetic screen: candidate i buried (low structural score) when i is even."""
    c = pd.read_csv(screen / "candidates.csv")
    n = len(c)
    buried = np.arange(n) % 2 == 0
    s = np.where(buried, 0.05, 0.95)
    extra = {"structure_status": ["ok"] * (n - 1) + ["missing_model"], "structure_model": "", "structure_note": "",
             "anchor_source": "consensus", "rsa_window": 0.3, "rsa_anchors": np.where(buried, 0.02, 0.5),
             "plddt_window": 90.0, "plddt_anchors": 90.0, "helix_fraction": 1.0, "strand_fraction": 0.0,
             "structural_score": s, "combined_score": 0.75 * c.score + 0.25 * s,
             "structure_explanation": np.where(buried, "buried helix in a confident domain", "exposed helix")}
    out = c.assign(**extra)
    out.loc[n - 1, ["rsa_window", "rsa_anchors", "plddt_window", "plddt_anchors", "structural_score"]] = np.nan
    out.loc[n - 1, "combined_score"] = 0.75 * c.score[n - 1] + 0.125
    out.to_csv(screen / "structure.csv", index=False)
    return out


def test_report_has_structure_section(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run")
    table = _fake_structure(run / "screen" / HUMAN)
    report = write_report(run)
    html = report.read_text()
    stem = f"fig4_structure_{HUMAN}"
    assert (report.parent / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
    assert html.count('src="data:image/png;base64,') == 5
    assert "Structure (AlphaFold models)" in html and "Table S (H.sapiens" in html
    assert f"{len(table) - 1} of {len(table)} candidates had a usable AlphaFold model" in html
    # the best after structural scoring is the best exposed one; its rank before is its score rank
    best = table.sort_values("combined_score", ascending=False).iloc[0]
    before = int((table.score > best.score).sum()) + 1
    section = html[html.index("Table S (H.sapiens"):]
    first_row = section[section.index("<tr>", section.index("</tr>")):]
    assert first_row.startswith(f"<tr><td>1</td><td>{before}</td><td>{best.accession}</td>")
    md = (report.parent / "report.md").read_text()
    assert f"({stem}.png)" in md


def test_report_without_structure_is_unchanged(tmp_path: Path) -> None:
    html = write_report(make_run(tmp_path / "run")).read_text()
    assert "Structure (AlphaFold models)" not in html and "fig4_structure" not in html


def test_report_cli_structures_step(tmp_path: Path, data_dir: Path, capsys) -> None:
    """`nesscan report --structures DIR` writes structure.csv for every screen (the synthetic
    accessions have no model: every row flagged missing_model;predicted_plddt, exit 0), then the section."""
    from nesscan.cli import main

    run = make_run(tmp_path / "run")
    assert main(["report", str(run), "--structures", str(data_dir / "structures")]) == 0
    out = pd.read_csv(run / "screen" / HUMAN / "structure.csv", keep_default_na=False)
    assert set(out.structure_status) == {"missing_model;predicted_plddt"} and list(out.columns[-len(COLUMNS):]) == list(COLUMNS)
    assert "Table S (H.sapiens" in (run / "report" / "report.html").read_text()
    capsys.readouterr()
    assert main(["report", str(run), "--structures", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.strip() == \
        f"nesscan report: error: {tmp_path / 'nope'}: not a directory of structure models"


def test_explanation_names_the_rsa_it_quotes(data_dir: Path) -> None:
    """CDC7 (O00311) window 452-473: the anchors are partly buried (RSA 0.17) in a window of mean
    RSA 0.40; the explanation quoted a bare "RSA 0.17" beside a ``rsa_window`` of 0.399. It now
    names the anchors' RSA and gives the window's beside it, both as in their columns."""
    from nesscan.structure import annotate_structures
    from nesscan.structure.residues import residue_profile

    seq = residue_profile(data_dir / "structures" / "AF-O00311-F1-model_v4.pdb").sequence
    rows = [{"accession": "O00311", "start": start, "end": start + 21, "sequence": seq[start - 1:start + 21],
             "score": 0.9} for start in (452, 545)]
    out = annotate_structures(pd.DataFrame(rows), data_dir / "structures")
    for _, r in out.iterrows():
        quoted = f"anchors' RSA {r.rsa_anchors:.2f} (window {r.rsa_window:.2f}), pLDDT {r.plddt_window:.0f}"
        assert r.structure_explanation.endswith(quoted), (r.structure_explanation, quoted)
    assert out.structure_explanation[0] == ("partly buried mixed helix/strand/coil in a confident domain, "
                                            "anchors' RSA 0.17 (window 0.40), pLDDT 84")


@pytest.mark.slow
def test_run_structure_step(tiny_data: Path, fast_params, tmp_path: Path) -> None:
    """`pipeline.run(..., structures=DIR)`: structure.csv beside each screen's candidates, and the
    report's section; a bad folder fails before any training."""
    from nesscan.errors import NesscanError
    from nesscan.pipeline import run

    fasta = str(tiny_data / "proteomes" / "tiny.fasta")
    with pytest.raises(NesscanError, match="not a directory of structure models"):
        run(tiny_data, tmp_path / "bad", [fasta], params=fast_params, folds=0, structures=tmp_path / "nope",
            classifier="transformer")
    assert not (tmp_path / "bad" / "model").exists()
    models = tmp_path / "models"
    models.mkdir()
    out = run(tiny_data, tmp_path / "run", [fasta], params=fast_params, folds=0, n_boot=20, structures=models,
              classifier="transformer")
    cands = pd.read_csv(out / "screen" / "tiny" / "candidates.csv")
    table = pd.read_csv(out / "screen" / "tiny" / "structure.csv", keep_default_na=False)
    assert list(table.columns) == list(cands.columns) + list(COLUMNS)  # a 3-epoch model may call nothing
    assert len(table) == len(cands) and set(table.structure_status) <= {"missing_model;predicted_plddt"}
