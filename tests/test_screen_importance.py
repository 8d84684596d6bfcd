"""``importance.csv`` of a screen (the alanine scan of its top calls) and the report's section
drawn from it: a real screen of three proteins with the shipped model (two yeast proteins the
model calls, PKI-alpha that it does not call alone), and one of PKI-alpha alone (no call)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from nesscan.cli import main
from nesscan.model.store import default_model_dir
from nesscan.design.importance import COLUMNS, TOP_CALLS, top_called

PKI = ">sp|P61925|IPKA_HUMAN cAMP-dependent protein kinase inhibitor alpha OS=Homo sapiens GN=PKIA\n" \
      "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES\n"
CALLED = ("Q12433", "P40458")  # AHC1, ATG32: called in the whole yeast proteome and in this small screen


@pytest.fixture(scope="module")
def fasta(data_dir: Path, tmp_path_factory) -> Path:
    from nesscan.io.fasta import iter_fasta

    if not (default_model_dir() / "config.json").is_file():
        pytest.skip("no packaged default model")
    path = tmp_path_factory.mktemp("importance") / "three.fasta"
    records = [p for p in iter_fasta(data_dir / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz")
               if p.accession in CALLED]
    path.write_text("".join(f">sp|{p.accession}|{p.entry_name} {p.description}\n{p.sequence}\n" for p in records)
                    + PKI)
    return path


@pytest.fixture(scope="module")
def screened(fasta: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("importance") / "yeast"
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1", "--decoy-fraction", "0"]) == 0
    return out


def test_a_screen_writes_the_alanine_scan_of_its_calls(screened: Path, fasta: Path) -> None:
    """One row per residue of each called window (an alanine of the wild type has none), the calls
    in candidates.csv's order, the same numbers as `nesscan.design.alanine_scan` of the window."""
    import nesscan
    from nesscan.design import alanine_scan
    from nesscan.io.fasta import iter_fasta

    cands = pd.read_csv(screened / "candidates.csv")
    imp = pd.read_csv(screened / "importance.csv")
    assert list(imp.columns) == COLUMNS
    called = cands[cands.call == "called"]
    assert set(called.accession) == set(CALLED) and "P61925" not in set(imp.accession)
    keys = list(imp[["accession", "start", "end"]].drop_duplicates().itertuples(index=False, name=None))
    assert keys == list(called[["accession", "start", "end"]].itertuples(index=False, name=None))
    for r in called.itertuples():
        rows = imp[imp.accession == r.accession]
        not_ala = [r.start + i for i, aa in enumerate(r.sequence) if aa != "A"]
        assert rows.position.tolist() == not_ala and (rows.mut == "A").all()
        assert rows.wt.tolist() == [aa for aa in r.sequence if aa != "A"]
        assert (rows.call_before == "called").all() and rows.anchor.sum() == 4
    first = called.iloc[0]
    protein = next(p for p in iter_fasta(fasta) if p.accession == first.accession)
    again = alanine_scan(protein, int(first.start), int(first.end), nesscan.load_model())
    mine = imp[imp.accession == first.accession].reset_index(drop=True)
    pd.testing.assert_series_equal(mine.delta, again.delta, rtol=1e-5, check_names=False)
    assert (mine.delta < 0).any()  # some residue carries the call


def test_a_screen_without_calls_writes_the_header_only(tmp_path: Path) -> None:
    if not (default_model_dir() / "config.json").is_file():
        pytest.skip("no packaged default model")
    (tmp_path / "pki.fasta").write_text(PKI)
    out = tmp_path / "s"
    assert main(["screen", str(tmp_path / "pki.fasta"), "-o", str(out), "--workers", "1"]) == 0
    assert not (pd.read_csv(out / "candidates.csv").call == "called").any()
    assert (out / "importance.csv").read_text().strip() == ",".join(COLUMNS)


def test_top_called_are_the_first_called_rows_in_file_order() -> None:
    calls = ["called", "not called", "called", "protein set aside"] * 8
    cands = pd.DataFrame({"call": calls, "accession": [f"P{i}" for i in range(len(calls))]})
    top = top_called(cands)
    assert len(top) == TOP_CALLS == 10 and (top.call == "called").all()
    assert top.accession.tolist() == [f"P{i}" for i in range(0, 40, 2)][:10]
    assert top_called(cands.drop(columns="call")).empty  # an older screen: no call column


def test_the_report_shows_which_residues_carry_the_calls(screened: Path, tmp_path: Path) -> None:
    """The section: the heat map (PNG and SVG) and a row per call naming its largest drops; a
    screen folder without importance.csv (an older screen) gets one line instead."""
    from nesscan.report.importance import TITLE
    from nesscan.report.screen_report import write_screen_report

    folder = Path(shutil.copytree(screened, tmp_path / "yeast"))
    html = write_screen_report(folder).read_text()
    section = html[html.index(TITLE):]
    section = section[:section.index("</table>")]
    stem = "fig5_importance_yeast"
    assert (folder / "report" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "report" / f"{stem}.svg").is_file()
    assert "Figure 5 (yeast)" in section and "data:image/png;base64," in section
    imp = pd.read_csv(folder / "importance.csv")
    for acc in CALLED:
        worst = imp[imp.accession == acc].sort_values("delta").iloc[0]
        row = section[section.index(acc):]
        row = row[:row.index("</tr>")]
        assert f"{worst.substitution.removeprefix('p.')} {worst.delta:+.3f}" in row
    md = (folder / "report" / "report.md").read_text()
    assert f"![{stem}]({stem}.png)" in md

    (folder / "importance.csv").unlink()
    shutil.rmtree(folder / "report")
    html = write_screen_report(folder).read_text()
    section = html[html.index(TITLE):]
    assert "yeast: no importance.csv in the screen folder (screened by an older nesscan)" in section
    assert not (folder / "report" / f"{stem}.png").exists()
