"""``nesscan report``: a tiny synthetic run folder, with and without the optional parts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.errors import NesscanError
from nesscan.report import write_report
from nesscan.report.data import load_run
from nesscan.report.scores import Distribution, stream_windows
from nesscan.report.tables import fdr_lookup

MODEL_AUC = (0.8712, 0.8011, 0.9304)
THRESHOLD = 0.93
HUMAN, ECOLI = "UP000005640-H.sapiens", "UP000000625-E.coli"


def _curve(auc: float) -> dict:
    return {"auc": auc, "auc_lo": auc - 0.05, "auc_hi": min(1.0, auc + 0.05), "average_precision": 0.3,
            "n_pos": 4, "n_neg": 8, "fpr": [0.0, 0.1, 0.4, 1.0], "tpr": [0.0, 0.5, 0.9, 1.0]}


def _write_screen(folder: Path, proteins: dict[str, np.ndarray], known: set[str], optional: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    rows, cands, prots = [], [], []
    for acc, scores in proteins.items():
        n = len(scores)
        rows.append(pa.table({"accession": [acc] * n, "start": np.arange(1, n + 1, dtype=np.int32),
                              "end": np.arange(22, n + 22, dtype=np.int32), "score": scores.astype(np.float32)}))
        best = int(np.argmax(scores))
        if scores[best] >= THRESHOLD:
            cands.append(dict(accession=acc, entry_name=f"{acc}_HUMAN", gene=f"G{acc}", start=best + 1, end=best + 22,
                              sequence="LQKKLEELELDLLSAQLRLE" + "AA", score=float(scores[best]),
                              region_start=best + 1, region_end=best + 22, n_windows=1, known_nes=acc in known,
                              known_nes_ids="NES1" if acc in known else ""))
        prots.append(dict(accession=acc, entry_name=f"{acc}_HUMAN", gene=f"G{acc}", length=n + 21, n_windows=n,
                          max_score=float(scores[best]), best_start=best + 1, n_candidates=int(scores[best] >= THRESHOLD),
                          status="ok"))
    pq.write_table(pa.concat_tables(rows), folder / "windows.parquet")
    cands, prots = pd.DataFrame(cands), pd.DataFrame(prots)
    if optional:
        cands["q_value"] = (1 - cands.score) / 20  # best candidate, score 0.984: q 8e-4
        cands["nes_class"] = "1a"
        cands["anchors"] = "3,7,10,12"
        prots["calibrated_score"] = np.linspace(0.1, 4.0, len(prots))
        (folder / "fdr.json").write_text(json.dumps({"decoy": "reverse", "calls_at_0.9": 7, "calls_at_fdr_5": 3,
                                                     "calls_at_fdr_10": 5, "threshold_at_fdr_10": 0.951}))
    cands.to_csv(folder / "candidates.csv", index=False)
    prots.to_csv(folder / "proteins.csv", index=False)
    (folder / "screen.json").write_text(json.dumps({"results": {"proteins": len(prots)}}))


def make_run(root: Path, optional: bool = True, screens: bool = True) -> Path:
    """A run folder in the layout of ``nesscan run`` (a few windows per file)."""
    rng = np.random.default_rng(0)
    (root / "model").mkdir(parents=True)
    (root / "evaluation").mkdir()
    (root / "run.json").write_text(json.dumps({
        "config": {"embedder": {"name": "physchem"}, "seed": 0},
        "versions": {"python": "3.11.7", "nesscan": "0.1.0", "torch": "2.13.0+cpu", "nesscan_git_commit": "abc1234def"},
        "started": "2026-01-01T00:00:00+0000"}))
    (root / "model" / "config.json").write_text(json.dumps({
        "embedder": {"name": "physchem"}, "in_dim": 45, "context": "peptide", "window": 22, "seed": 0,
        "params": {"d_model": 64, "n_heads": 4, "n_layers": 2, "lr": 0.001, "max_epochs": 40, "patience": 8},
        "threshold": THRESHOLD, "threshold_rule": "max(0.9, 99th percentile of validation negatives' scores)",
        "examples": {"examples_by_source": {"nesdb": 12, "mito_random": 8}}}))
    ex = []
    for i, (src, label, split) in enumerate([("nesdb", 1, "train")] * 3 + [("nesdb", 1, "test")] * 2
                                            + [("mito_random", 0, "train")] * 4 + [("mito_nterm", 0, "test")] * 3):
        ex.append(dict(sequence="A" * 22, label=label, source=src, accession=f"X{i}", start=0, centred=True,
                       range_1b="", split=split, cluster=f"X{i // 2}"))
    ex.append(dict(ex[0], centred=False))
    pd.DataFrame(ex).to_csv(root / "model" / "examples.tsv", sep="\t", index=False)
    pd.DataFrame({"accession": [e["accession"] for e in ex[:-1]], "cluster": [e["cluster"] for e in ex[:-1]],
                  "split": [e["split"] for e in ex[:-1]]}).to_csv(root / "split.tsv", sep="\t", index=False)
    model = dict(_curve(MODEL_AUC[0]), auc_lo=MODEL_AUC[1], auc_hi=MODEL_AUC[2])
    metrics = {"n_pos": 4, "n_neg": 8, "n_boot": 100, "seed": 0, "alpha": 0.05,
               "scorers": {"model": model, "composition": _curve(0.7), "consensus_count": _curve(0.65),
                           "hydrophobic_count": _curve(0.6), "length": _curve(0.5)},
               "groups": {"mito_nterm": {"n_pos": 4, "n_neg": 3, "scorers": {"model": _curve(0.9),
                                                                           "composition": _curve(0.8)}}},
               "threshold": THRESHOLD, "recall_at_threshold": 0.25, "false_positive_rate_at_threshold": 0.01}
    (root / "evaluation" / "metrics.json").write_text(json.dumps(metrics))
    pd.DataFrame({"label": [1, 1, 0, 0, 0], "source": ["nesdb", "nesdb", "mito_random", "mito_nterm", "mito_random"],
                  "score": [0.95, 0.8, 0.1, 0.3, 0.5]}).to_csv(root / "evaluation" / "predictions.tsv", sep="\t",
                                                                index=False)
    if screens:
        human = {f"P{i:05d}": rng.beta(1, 3, 80 + 10 * i) for i in range(14)}
        for i, acc in enumerate(list(human)[:12]):
            human[acc][5 + i] = 0.94 + i * 0.004  # one strong window each: 12 candidates
        _write_screen(root / "screen" / HUMAN, human, known={"P00003"}, optional=optional)
        coli = {f"Q{i:05d}": rng.beta(1, 4, 60) for i in range(10)}
        coli["Q00001"][10] = 0.97
        _write_screen(root / "screen" / ECOLI, coli, known=set(), optional=optional)
    if optional:
        (root / "cv").mkdir()
        (root / "cv" / "metrics.json").write_text(json.dumps({"k": 5, "summary": {"mito_random": {
            "model": {"mean": 0.9123, "sd": 0.021, "n_folds": 5, "pooled_auc": 0.9101, "pooled_lo": 0.88,
                      "pooled_hi": 0.94}, "composition": {"mean": 0.81, "sd": 0.03, "auc": 0.8, "auc_lo": 0.75,
                                                          "auc_hi": 0.85}, "n_pos": 10, "n_neg": 40}}}))
        (root / "site.json").write_text(json.dumps({"model": {"top1": 0.5833, "top3": 0.75, "n": 24},
                                                    "regex": {"top1": 0.41, "top3": 0.6, "n": 24}}))
        auc = {"auc": 0.7123, "auc_lo": 0.6, "auc_hi": 0.8}
        (root / "protein_level.json").write_text(json.dumps({
            "overall": {"n_pos": 12, "n_neg": 30, "auc": {"max_score": auc, "calibrated_score": auc, "length": auc}},
            "quartiles": [{"n_pos": 3, "n_neg": 7, "min_length": 30, "max_length": 99,
                           "auc": {"max_score": auc, "calibrated_score": auc}}],
            "spearman_length_negatives": {"max_score": 0.61, "calibrated_score": 0.05}}))
    return root


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?!data:|#)[^"'\s>]+""", re.I)


def _check_common(report: Path) -> str:
    html = report.read_text()
    out = report.parent
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)[:3]
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/png;base64,') == 4
    assert "0.871 [0.801, 0.930]" in html  # model AUC with CI from metrics.json
    md = (out / "report.md").read_text()
    assert "0.871 [0.801, 0.930]" in md and "(fig1_roc.png)" in md
    for stem in ("fig1_roc", "fig2_score_distribution", "fig3_boxplot", "flowchart"):
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / f"{stem}.svg").read_text().lstrip().startswith("<?xml")
    return html


@pytest.mark.slow
def test_full_report(tmp_path):
    run = make_run(tmp_path / "run")
    report = write_report(run)
    assert report == run / "report" / "report.html"
    html = _check_common(report)
    # Table 1: the human proteome's 10 best candidates, best first; E. coli is the control, not in Table 1
    top = pd.read_csv(run / "screen" / HUMAN / "candidates.csv").sort_values("score", ascending=False)
    table1 = html[html.index("Table 1 (H.sapiens"):]
    table1 = table1[:table1.index("</table>")]
    assert table1.count("<tr>") == 11  # header + 10 rows
    positions = [table1.index(f"<td>{acc}</td>") for acc in top.accession[:10]]
    assert positions == sorted(positions) and top.accession.iloc[10] not in table1
    assert "known (NESdb NES1)" in table1 and "novel" in table1 and "<td>1a</td>" in table1
    assert "3,7,10,12" in table1 and "8.00e-04" in table1  # anchors, smallest q-value
    assert "Table 1 (E.coli" not in html and "E.coli (UP000000625) [control]" in html
    # optional parts rendered: CV, site, FDR
    assert "0.912 ± 0.021" in html and "0.910 [0.880, 0.940]" in html
    assert "58.3%" in html and "75.0%" in html
    assert "Q1: 30-99 aa" in html and "0.712 [0.600, 0.800]" in html and "length-matched 0.05" in html
    assert "5 calls at an estimated FDR of 10% (score &gt;= 0.951) and 3 at 5%" in html
    assert "Not computed in this run" not in html
    # methods numbers: positives by split, calls per 100 control proteins, novel count
    assert "5 NESdb NES windows" in html and "train 3, validation 0, test 2" in html
    n_coli = len(pd.read_csv(run / "screen" / ECOLI / "candidates.csv"))
    assert f"{100 * n_coli / 10:.1f} per 100 proteins" in html and "of which 11 are novel" in html


@pytest.mark.slow
def test_minimal_report_marks_absent_parts(tmp_path):
    run = make_run(tmp_path / "run", optional=False)
    html = _check_common(write_report(run, tmp_path / "out"))
    assert not (run / "report").exists()  # written where asked
    for part in ("no cv/metrics.json", "no site.json", "no protein_level.json", "no screen/&lt;name&gt;/fdr.json", "no fdr.json"):
        assert f"{part}" in html
    table1 = html[html.index("Table 1 (H.sapiens"):]
    row = table1[table1.index("<tr><td>1</td>"):table1.index("</tr>", table1.index("<tr><td>1</td>"))]
    assert row.count("<td>n/a</td>") == 2  # q-value and class
    # a run screened before importance.csv: one line for the target, nothing for the control
    assert "H.sapiens (UP000005640): no importance.csv in the screen folder" in html
    assert "E.coli (UP000000625): no importance.csv" not in html and "fig5_importance" not in html


@pytest.mark.slow
def test_a_set_not_in_all_negatives_gets_its_own_marked_row(tmp_path):
    """``locnes_neg`` (``separate`` in the metrics): its own row in Tables 2 and 3, marked, with
    the lower-bound note in the captions, and not named among the negatives of Figure 1."""
    run = make_run(tmp_path / "run", screens=False)
    note = "may hold unannotated NESs: its AUC is a lower bound"
    path = run / "evaluation" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["groups"]["locnes_neg"] = {"n_pos": 4, "n_neg": 5, "scorers": {"model": _curve(0.61)}}
    metrics["separate"] = {"locnes_neg": note}
    path.write_text(json.dumps(metrics))
    path = run / "cv" / "metrics.json"
    cv = json.loads(path.read_text())
    cv["summary"]["locnes_neg"] = {"model": {"mean": 0.6, "sd": 0.02, "n_folds": 5, "pooled_auc": 0.6071,
                                             "pooled_lo": 0.55, "pooled_hi": 0.66}, "n_pos": 10, "n_neg": 30}
    cv["separate"] = {"locnes_neg": note}
    path.write_text(json.dumps(cv))
    write_report(run)
    md = (run / "report" / "report.md").read_text()
    table2 = md[md.index("**Table 2"):md.index("**Table 3")]
    table3 = md[md.index("**Table 3"):md.index("**Table 4")]
    for table in (table2, table3):
        assert f"locnes_neg: trained on, but not pooled into all negatives; it {note}" in table.splitlines()[0]
        assert "| locnes_neg† |" in table
    assert "0.610 [" in table2 and "0.607 [0.550, 0.660]" in table3
    assert f"locnes_neg is trained on but not pooled into all negatives: it {note}." in md  # the methods
    fig1 = md[md.index("Figure 1."):]
    assert "(mito_nterm)" in fig1[:fig1.index("\n")]  # the negatives of "all" only
    assert f"locnes_neg 0.610 [0.560, 0.660] (composition n/a; not in all negatives: it {note})" in md


@pytest.mark.slow
def test_report_without_screens(tmp_path):
    html = _check_common(write_report(make_run(tmp_path / "run", optional=False, screens=False)))
    assert "Not computed in this run: no proteome was screened." in html


def test_control_choice(tmp_path):
    run = make_run(tmp_path / "run", optional=False)
    assert load_run(run).control == ECOLI
    assert load_run(run, control=HUMAN).control == HUMAN
    with pytest.raises(NesscanError, match="not a screen"):
        load_run(run, control="nope")


@pytest.mark.slow
def test_report_is_reproducible(tmp_path):
    run = make_run(tmp_path / "run", optional=False)
    a, b = write_report(run, tmp_path / "a"), write_report(run, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a" / "fig2_score_distribution.svg").read_bytes() == \
        (tmp_path / "b" / "fig2_score_distribution.svg").read_bytes()


def test_stream_windows_counts_regions_and_histogram(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    s1 = np.full(100, 0.1)
    s1[[10, 20, 31, 60]] = [0.95, 0.92, 0.95, 0.91]  # at 0.9: 10+20+31 one run (gaps < 22), 60 -> 2 regions
    s2 = np.full(30, 0.5)
    s2[0] = 0.99
    acc = ["A"] * 100 + ["B"] * 30
    starts = np.r_[np.arange(1, 101), np.arange(1, 31)].astype(np.int32)
    pq.write_table(pa.table({"accession": acc, "start": starts, "score": np.r_[s1, s2].astype(np.float32)}),
                   tmp_path / "w.parquet", row_group_size=7)
    dist, regions, proteins = stream_windows(tmp_path / "w.parquet", [0.9, 0.93], 22, batch_rows=16)
    assert dist.n == 130
    assert regions == {0.9: 3, 0.93: 2} and proteins == {0.9: 2, 0.93: 2}  # at 0.93: 10 and 31 still join
    assert dist.quantile(0.5) == pytest.approx(0.1, abs=1e-3)


def test_distribution_quantiles_match_numpy():
    x = np.random.default_rng(1).beta(2, 5, 20_000)
    d = Distribution.from_values(x)
    for q in (0.01, 0.25, 0.5, 0.75, 0.99):
        assert d.quantile(q) == pytest.approx(np.quantile(x, q), abs=1e-3)
    assert d.mean() == pytest.approx(x.mean(), abs=1e-3)


def test_fdr_lookup_key_variants():
    assert fdr_lookup({"calls_at_fdr_10": 5}, "calls", 0.10) == 5
    assert fdr_lookup({"fdr": {"0.1": {"calls": 4, "threshold": 0.95}}}, "calls", 0.10) == 4
    assert fdr_lookup({"fdr": {"0.1": {"calls": 4, "threshold": 0.95}}}, "threshold", 0.10) == 0.95
    assert fdr_lookup({"calls_at_fdr_10": 5, "calls_at_fdr_5": 2}, "calls", 0.05) == 2
    assert fdr_lookup({"calls_at_0.9": 9, "calls_at_fdr_10": 5}, "calls", None) == 9
    assert fdr_lookup({"other": 1}, "calls", 0.10) is None


def _main(argv, monkeypatch):
    import nesscan.cli as cli

    if "report" not in cli.COMMANDS:  # until the command is registered
        monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ("report",))
    return cli.main(argv)


@pytest.mark.parametrize("setup", ["missing", "empty", "bad_json"])
def test_cli_bad_run_dir_is_one_line_error(tmp_path, capsys, monkeypatch, setup):
    run = tmp_path / "run"
    if setup != "missing":
        run.mkdir()
    if setup == "bad_json":
        (run / "model").mkdir()
        (run / "model" / "config.json").write_text("{not json")
    assert _main(["report", str(run)], monkeypatch) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("nesscan report: error:") and "\n" not in err and str(run) in err


@pytest.mark.slow
def test_cli_writes_report(tmp_path, capsys, monkeypatch):
    run = make_run(tmp_path / "run", optional=False)
    assert _main(["report", str(run), "-o", str(tmp_path / "r"), "--control", ECOLI], monkeypatch) == 0
    assert (tmp_path / "r" / "report.html").is_file() and (tmp_path / "r" / "report.md").is_file()


@pytest.mark.slow
def test_a_flat_model_is_described_as_what_it_is(tmp_path):
    """The default (format 2) model: the methods, Figure 1's caption and the flowchart name its
    window features and classifier family, never a Transformer or an embedder it has not."""
    from nesscan.report import _flowchart_text
    from nesscan.report.data import load_run

    run = make_run(tmp_path / "run", screens=False)
    shipped = json.loads((Path(__file__).parents[1] / "src" / "nesscan" / "models" / "default" / "config.json")
                         .read_text())
    cfg = json.loads((run / "model" / "config.json").read_text())
    cfg = {k: v for k, v in cfg.items() if k not in ("embedder", "params")}
    cfg.update({k: shipped[k] for k in ("format", "features", "classifier", "in_dim", "context")})
    (run / "model" / "config.json").write_text(json.dumps(cfg))
    write_report(run)
    md = (run / "report" / "report.md").read_text()
    label = "ensemble of L2 logistic regression and boosted trees on 80 window features (tracks: metapredict_plddt)"
    assert f"model: {label}" in md
    fig1 = md[md.index("Figure 1."):]
    assert f"Model ({label})" in fig1[:fig1.index("\n")]
    methods = md[md.index("Each 22-residue window"):]
    methods = methods[:methods.index("\n")]
    assert "consensus, physico, track_means (plddt), anchor_pssm, order" in methods
    chosen = shipped["classifier"]["chosen"]
    assert f"logistic regression C {chosen['logistic']['C']}" in methods
    assert f"learning rate {chosen['gbm']['learning_rate']}" in methods
    top, bottom = _flowchart_text(load_run(run, None))
    assert "80 window features" in top[2] and "boosted trees" in top[3] and "inner homology CV" in bottom[3]
    assert "Transformer" not in md and "Transformer" not in " ".join(top + bottom)


@pytest.mark.slow
def test_report_opens_with_the_headline(tmp_path):
    """With the window call in a screen's fdr.json, the report opens with its headline, the two
    nulls side by side and the top called windows; without it, one line says why there is none."""
    from nesscan.screen.calls import headline

    run = make_run(tmp_path / "run")
    assert "No headline: no screen in this run" in write_report(run).read_text()
    folder = run / "screen" / HUMAN
    cands = pd.read_csv(folder / "candidates.csv").sort_values("score", ascending=False).reset_index(drop=True)
    cands.insert(0, "call", ["called"] * 2 + ["not called"] * (len(cands) - 2))
    cands.insert(1, "call_q_value", [0.01, 0.04] + [0.5] * (len(cands) - 2))
    cands["q_value_shuffle"], cands["q_value_natural"], cands["cargo_probability"] = cands.call_q_value, 0.001, 0.9
    cands.to_csv(folder / "candidates.csv", index=False)
    call = {"fdr": 0.1, "default_nulls": ["shuffle", "natural"], "calls": 2, "novel_calls": 1,
            "proteins_with_novel_calls": 1, "known_nes_recovered": 1, "known_nes_in_screen": 3,
            "lowest_call_q_value": 0.01,
            "nulls": {"shuffle": {"n_windows": 1000, "source": "shuffles", "calls": 2, "novel_calls": 1},
                      "natural": {"n_windows": 2000, "source": "E. coli", "calls": 9, "novel_calls": 8}}}
    call["headline"] = headline(call)
    fdr = json.loads((folder / "fdr.json").read_text())
    (folder / "fdr.json").write_text(json.dumps({**fdr, "call": call}))
    html = write_report(run).read_text()
    start = html.index("Headline: novel NES candidates")
    assert start < html.index("Pipeline") and call["headline"] in html[start:]
    assert "1 novel NES candidate in 1 protein" in call["headline"]
    nulls = html[html.index("Window calls of H.sapiens"):]
    nulls = nulls[:nulls.index("</table>")]
    assert "<td>both (the default call)</td>" in nulls and "<td>8</td>" in nulls  # the natural null alone: 8 novel
    top = html[html.index("Top 2 called windows of H.sapiens"):]
    top = top[:top.index("</table>")]
    assert top.count("<tr>") == 3 and f"<td>{cands.accession[0]}</td>" in top and cands.accession[2] not in top
    assert "What the number means" in html


# ------------------------------------------------------------------ the report of a screen folder


def _screen_folder(folder: Path) -> Path:
    """A `nesscan screen` folder: the synthetic screen of :func:`make_run`, with the ``call`` section
    of fdr.json and the ``call_status`` of proteins.csv a current screen writes."""
    rng = np.random.default_rng(1)
    scores = {f"P{i:05d}": rng.beta(1, 3, 80 + 10 * i) for i in range(6)}
    scores["P00002"][7] = 0.97
    _write_screen(folder, scores, known=set(), optional=True)
    fdr = json.loads((folder / "fdr.json").read_text())
    fdr["call"] = {"calls": 1, "novel_calls": 1, "proteins_with_novel_calls": 1, "nulls": {},
                   "headline": "1 novel NES candidate in 1 protein at an estimated FDR of 10% against both nulls"}
    (folder / "fdr.json").write_text(json.dumps(fdr))
    prots = pd.read_csv(folder / "proteins.csv")
    prots["call_status"] = ["called"] + ["not called"] * 4 + ["not assessed: predicted membrane protein (7 TM helices)"]
    prots.to_csv(folder / "proteins.csv", index=False)
    return folder


def test_report_of_a_screen_folder(tmp_path, capsys, monkeypatch):
    """`nesscan report SCREEN` (it used to want a run folder): SCREEN/report/report.html with the
    headline from fdr.json's call section, the top candidates, the score distribution and the
    proteins per call status; a folder that is neither is one error line."""
    screen = _screen_folder(tmp_path / "yeast")
    assert _main(["report", str(screen)], monkeypatch) == 0, capsys.readouterr().err
    out = screen / "report"
    html = (out / "report.html").read_text()
    assert not EXTERNAL.findall(html)
    assert "yeast: 1 novel NES candidate in 1 protein at an estimated FDR of 10% against both nulls" in html
    assert "Table 1 (yeast): top 1 of 1 candidate regions" in html and "P00002" in html
    assert html.count('src="data:image/png;base64,') == 1
    assert (out / "fig2_score_distribution.png").read_bytes()[:4] == b"\x89PNG"
    status = html[html.index("Proteins by call status"):]
    for cell in ("<td>called</td><td>1</td>", "<td>not called</td><td>4</td>",
                 "<td>not assessed: predicted membrane protein</td><td>1</td>"):
        assert cell in status, cell
    assert "FDR estimate for yeast" in html and (out / "report.md").is_file()
    assert json.loads((out / "report.json").read_text())["screens"]["yeast"]["candidates_sha256"]
    # the OUT/ of a multi-FASTA screen: one report of both
    _screen_folder(tmp_path / "many" / "a")
    _screen_folder(tmp_path / "many" / "b")
    assert _main(["report", str(tmp_path / "many")], monkeypatch) == 0
    assert "Table 1 (b)" in (tmp_path / "many" / "report" / "report.html").read_text()
    capsys.readouterr()
    (tmp_path / "neither").mkdir()
    assert _main(["report", str(tmp_path / "neither")], monkeypatch) == 1
    assert capsys.readouterr().err.strip() == (
        f"nesscan report: error: {tmp_path / 'neither'}: neither a `nesscan run` folder (no model/config.json) "
        "nor a `nesscan screen` folder (no candidates.csv and proteins.csv)")


@pytest.mark.slow
def test_report_of_a_real_screen_then_overwrite(data_dir, tmp_path, capsys):
    """A real screen (15 yeast proteins, the shipped model): its report carries fdr.json's headline,
    and the report folder does not stop the next `--overwrite` (it is a file nesscan writes)."""
    from nesscan.cli import main
    from nesscan.io import iter_fasta

    fasta = tmp_path / "yeast15.fasta"
    with open(fasta, "w") as fh:
        for i, p in zip(range(15), iter_fasta(data_dir / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz")):
            fh.write(f">sp|{p.accession}|{p.entry_name} {p.description}\n{p.sequence}\n")
    out = tmp_path / "out"
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1"]) == 0
    assert main(["report", str(out)]) == 0, capsys.readouterr().err
    headline = json.loads((out / "fdr.json").read_text())["call"]["headline"]
    assert f"out: {headline}" in (out / "report" / "report.html").read_text().replace("&#x27;", "'")
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1", "--overwrite"]) == 0
    assert not (out / "report").exists()
