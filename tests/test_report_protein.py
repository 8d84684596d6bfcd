"""``nesscan report``: the protein-level section ("Which proteins CRM1 exports") on a tiny
synthetic run folder (:func:`test_report.make_run`) given the cargo files of ``nesscan run``
and screens with protein scores; and the same folder without them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import ECOLI, HUMAN, make_run

from nesscan.report import write_report

pytestmark = pytest.mark.slow  # each test writes a report with its figures (5-15 s)

PROTEIN_MODEL = {
    "proteins": 60, "cargo": 34, "non_binders": 26, "inner_folds": 3, "feature_set": "+plddt+charge",
    "groups": ["composition", "length", "plddt", "charge"],
    "inner_auc_by_feature_set": {"composition+length": 0.81, "+plddt+charge": 0.8612},
    "chosen": {"logistic": {"C": 1.0, "inner_auc": 0.85}, "gbm": {"learning_rate": 0.05, "max_depth": 3,
                                                                   "max_iter": 200, "inner_auc": 0.86}},
    "inner_cargo_auc": 0.8612, "inner_protein_score_auc": 0.8733,
    "combiner": {"inputs": ["cargo_logit", "best_window_logit"],
                 "weights_per_unit": {"cargo_logit": 1.0296, "best_window_logit": -0.0193}},
    "null_size": 26,
}


def _predictions(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Out-of-fold scores in the layout of ``cv/cargo_predictions.tsv``."""
    rng = np.random.default_rng(seed)
    label = (rng.random(n) < 0.57).astype(int)
    category = np.where(label == 0, "Non-binder", np.where(rng.random(n) < 0.5, "Cargo A", "Cargo B"))

    def noise(signal: float) -> np.ndarray:
        return np.clip(label * signal + rng.normal(0.3, 0.25, n), 0, 1)

    return pd.DataFrame({
        "accession": [f"C{i:04d}" for i in range(n)], "entry_name": [f"C{i}_HUMAN" for i in range(n)],
        "category": category, "label": label, "length": rng.integers(80, 1500, n).astype(float),
        "cluster": [f"K{i // 2}" for i in range(n)],
        "input_fraction_ppm": np.where(rng.random(n) < 0.3, 0.025, rng.random(n)), "fold": np.arange(n) % 5,
        "protein_score": noise(0.5), "cargo_probability": noise(0.45), "comp_length": noise(0.3),
        "composition": noise(0.25), "best_window": noise(0.1), "best_exposed_window": noise(0.15)})


def _screen_level(folder: Path, seed: int) -> pd.DataFrame:
    """Give a screen of :func:`make_run` the protein-level columns and ``fdr.json`` keys."""
    rng = np.random.default_rng(seed)
    prots = pd.read_csv(folder / "proteins.csv")
    prots["cargo_probability"] = rng.random(len(prots)).round(6)
    prots["protein_score"] = rng.random(len(prots)).round(6)
    prots["cargo_q_value_batch"] = (1 - prots.protein_score) / 3
    prots["compartment"] = "nucleocytoplasmic"
    prots["call_status"] = np.where(prots.cargo_q_value_batch <= 0.1, "called", "not called")
    prots.to_csv(folder / "proteins.csv", index=False)
    cands = pd.read_csv(folder / "candidates.csv")
    cands = cands.merge(prots[["accession", "cargo_probability", "protein_score"]], on="accession", how="left")
    cands.to_csv(folder / "candidates.csv", index=False)
    fdr = json.loads((folder / "fdr.json").read_text())
    q = prots.cargo_q_value_batch
    fdr.update({"protein_null_size": 26, "proteins_assessed": len(prots), "proteins_set_aside": 0,
                "lowest_cargo_q_value_batch": float(q.min()),
                "protein_calls_at_q_5": int((q <= 0.05).sum()), "protein_calls_at_q_10": int((q <= 0.10).sum()),
                "protein_calls_per_100_proteins_at_q_10": 100 * float((q <= 0.10).mean()),
                "protein_score_threshold_at_q_10": float(prots.protein_score[q <= 0.10].min())})
    (folder / "fdr.json").write_text(json.dumps(fdr))
    return prots


@pytest.fixture(scope="module")
def protein_run(tmp_path_factory):
    """A run folder with every input of the section, and its report."""
    from nesscan.validate.cargo import cargo_metrics

    run = make_run(tmp_path_factory.mktemp("protein") / "run")
    cfg = json.loads((run / "model" / "config.json").read_text())
    (run / "model" / "config.json").write_text(json.dumps({**cfg, "protein_model": PROTEIN_MODEL}))
    pred = _predictions()
    pred.to_csv(run / "cv" / "cargo_predictions.tsv", sep="\t", index=False)
    (run / "cv" / "cargo_metrics.json").write_text(json.dumps(cargo_metrics(pred, n_boot=20, seed=0)))
    human = _screen_level(run / "screen" / HUMAN, 1)
    _screen_level(run / "screen" / ECOLI, 2)
    # the screened FASTA, named in screen.json: the best windows that are no candidate get their sequence
    seqs = {acc: "".join(np.random.default_rng(i).choice(list("ACDEFGHIKLMNPQRSTVWY"), int(n)))
            for i, (acc, n) in enumerate(zip(human.accession, human.length))}
    fasta = run / "human.fasta"
    fasta.write_text("".join(f">sp|{a}|{a}_HUMAN\n{s}\n" for a, s in seqs.items()))
    screen_json = run / "screen" / HUMAN / "screen.json"
    screen_json.write_text(json.dumps({**json.loads(screen_json.read_text()), "config": {"fasta": str(fasta)}}))
    report = write_report(run)
    return run, report.read_text(), (run / "report" / "report.md").read_text(), pred, human, seqs


def _section(md: str) -> str:
    return md[md.index("## Which proteins CRM1 exports"):]


def test_section_figure_and_text(protein_run):
    run, html, md, pred, _, _ = protein_run
    assert "<h2>Which proteins CRM1 exports</h2>" in html
    assert html.count('src="data:image/png;base64,') == 5 and 'alt="fig5_cargo_roc"' in html
    for ext in ("png", "svg"):
        assert (run / "report" / f"fig5_cargo_roc.{ext}").stat().st_size > 1000
    section = _section(md)
    assert "it does not locate an NES" in section.replace("It does", "it does")
    assert "ride out on a partner" in section and "The windows locate NESs" in section
    assert "Xenopus oocyte extract" in section and "noisy" in section
    n_cargo, n_non = int(pred.label.sum()), int((pred.label == 0).sum())
    assert f"{n_cargo:,} cargo (classes A, B and low-abundance) against {n_non:,} non-binders" in section
    assert "(5 outer folds" in section


def test_auc_and_difference_tables(protein_run):
    run, _, md, pred, _, _ = protein_run
    from sklearn.metrics import roc_auc_score

    metrics = json.loads((run / "cv" / "cargo_metrics.json").read_text())
    table6 = md[md.index("**Table 6"):md.index("**Table 7")]
    rows = [line for line in table6.splitlines() if line.startswith("| ")]
    assert rows[0].split(" | ")[2:4] == ["protein score", "cargo probability"]
    assert [r.split(" | ")[0] for r in rows[1:]][:2] == ["| all lengths", "| Q1: " + str(
        metrics["by_length"]["quartiles"][0]["min_length"]) + "-" + str(metrics["by_length"]["quartiles"][0]["max_length"]) + " aa"]
    assert len(rows) == 1 + 1 + 4 + 2  # header, overall, quartiles, Cargo A, measured input
    auc = roc_auc_score(pred.label, pred.protein_score)
    assert f"| all lengths | {int(pred.label.sum())} / {int((pred.label == 0).sum())} | {auc:.3f} [" in table6
    assert rows[-2].startswith("| Cargo A vs non-binders |") and rows[-1].startswith("| input abundance measured |")
    table7 = md[md.index("**Table 7"):md.index("### Proteins per screen")]
    d = metrics["vs_comp_length"]["protein_score"]
    assert f"| all lengths | {d['diff']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}] |" in table7
    assert table7.count("| Q") == 4


def test_top_proteins_and_calls(protein_run):
    run, _, md, _, human, seqs = protein_run
    section = _section(md)
    table9 = section[section.index("**Table 9 (H.sapiens"):]
    rows = [line.split(" | ") for line in table9.splitlines() if line.startswith("| ") and line[2].isdigit()]
    top = human.sort_values("protein_score", ascending=False).head(10)
    assert [r[1] for r in rows] == list(top.accession)
    cands = pd.read_csv(run / "screen" / HUMAN / "candidates.csv")
    assert 0 < top.accession.isin(cands.accession).sum() < len(top)  # both kinds of row below
    for row, (_, p) in zip(rows, top.iterrows()):
        start = int(p.best_start)
        assert row[7] == f"{start}-{start + 21}" and row[4] == f"{p.protein_score:.3f}"
        if p.accession in set(cands.accession):  # a candidate: its sequence and call from candidates.csv
            assert row[9] == "`LQKKLEELELDLLSAQLRLEAA`" and row[10].startswith("candidate")
        else:  # no candidate: the window read from the screened FASTA
            assert row[9] == f"`{seqs[p.accession][start - 1:start + 21]}`" and row[10].startswith("below")
    assert "Table 9 (E.coli" not in section  # the control's calls are in Table 8 only
    fdr = json.loads((run / "screen" / HUMAN / "fdr.json").read_text())
    table8 = section[section.index("**Table 8"):section.index("**Table 9")]
    line = next(r for r in table8.splitlines() if r.startswith("| H.sapiens"))
    cells = line.split(" | ")
    assert cells[1:5] == ["0", str(fdr["proteins_assessed"]), str(fdr["protein_calls_at_q_5"]),
                          str(fdr["protein_calls_at_q_10"])]
    assert cells[8] == str(fdr["calls_at_fdr_10"])  # window level, unchanged
    assert "| E.coli (UP000000625) [control] |" in table8


def test_methods_describe_the_protein_model(protein_run):
    _, _, md, _, _, _ = protein_run
    methods = md[md.index("## Methods"):md.index("## Held-out evaluation")]
    line = next(x for x in methods.splitlines() if x.startswith("Protein-level model"))
    assert "60 labelled proteins" in line and "34 cargo" in line and "26 non-binders" in line
    assert "feature set +plddt+charge (amino-acid composition, log length" in line
    assert "+plddt+charge 0.861" in line and "inner out-of-fold AUC 0.873" in line
    assert "cargo logit 1.030, best-window logit -0.019" in line and "the 26 training non-binders" in line


def test_run_without_protein_level_has_no_section(tmp_path):
    run = make_run(tmp_path / "run")
    html = write_report(run).read_text()
    assert "Which proteins CRM1 exports" not in html and "Protein-level model" not in html
    assert not (run / "report" / "fig5_cargo_roc.png").exists()
    assert html.count('src="data:image/png;base64,') == 4


def test_partial_run_marks_absent_parts(tmp_path):
    """Screens with protein scores but no cv/cargo_* files (e.g. `nesscan run` without a cargo
    table, screened with a model that has a protein model), one screen from an older model, and
    an older cargo_metrics.json without the per-quartile differences."""
    run = make_run(tmp_path / "run")
    _screen_level(run / "screen" / HUMAN, 1)
    md = (write_report(run).parent / "report.md").read_text()
    section = _section(md)
    assert "Not computed in this run (no cv/cargo_predictions.tsv)" in section
    assert "Not computed in this run (no cv/cargo_metrics.json)" in section
    assert "Not computed in this run for E.coli (UP000000625): proteins.csv has no protein_score" in section
    assert "**Table 9 (H.sapiens" in section and "E.coli" not in section[section.index("**Table 8"):]
    assert not (run / "report" / "fig5_cargo_roc.png").exists()
    from nesscan.validate.cargo import cargo_metrics

    metrics = cargo_metrics(_predictions(), n_boot=5)
    del metrics["vs_comp_length_by_quartile"], metrics["measured_input"]
    (run / "cv" / "cargo_metrics.json").write_text(json.dumps(metrics))
    md = (write_report(run).parent / "report.md").read_text()
    table7 = md[md.index("**Table 7"):md.index("### Proteins per screen")]
    assert table7.count("| all lengths |") == 1 and "| Q1" not in table7
    assert "input abundance measured" not in md[md.index("**Table 6"):md.index("**Table 7")]
