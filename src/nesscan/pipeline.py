"""The pipeline's steps as library calls: prepare, train, evaluate, and run (all of them).

Each ``nesscan`` command is a thin wrapper over one function here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from nesscan.atomic import write_text
from nesscan.errors import NesscanError
from nesscan.dataset.examples import ExampleSet
from nesscan.dataset.prepare import (MITO_FILE, NESDB_FILE, nes_sites_of, nes_sites_of_file,  # noqa: F401
                                     prepare, training_files, training_proteins)
from nesscan.io.fasta import proteome_name, require_file
from nesscan.model.classifier import ClassifierParams
from nesscan.predictor import Predictor, Runtime
from nesscan.screen.proteomes import screen_proteome
from nesscan.screen.scan import ScreenSummary
from nesscan.validate.compartment import with_gate

Log = Callable[[str], None]

DEFAULT_PROTEOMES = ("UP000002311-S.cerevisiae.fasta.gz", "UP000000625-E.coli.fasta.gz")


def screen(fasta: str | os.PathLike, out_dir: str | os.PathLike, model_dir: str | os.PathLike | None = None,
           **options: Any) -> ScreenSummary:
    """``nesscan screen`` of one FASTA file into one folder
    (:func:`nesscan.screen.proteomes.screen_proteome`, its options), ``importance.csv`` included
    (:func:`nesscan.design.importance.screen_importance` unless ``importance`` says otherwise)."""
    from nesscan.design.importance import screen_importance

    options.setdefault("importance", screen_importance)
    return screen_proteome(fasta, out_dir, model_dir, **options)


def data_dir(path: str | os.PathLike | None = None, require: tuple[str, ...] = (NESDB_FILE, MITO_FILE)) -> Path:
    """The data folder: ``path``, else ``$NESSCAN_DATA``; it must hold ``require`` (by
    default NESdb and the negatives)."""
    chosen = path or os.environ.get("NESSCAN_DATA")
    if not chosen:
        raise NesscanError("no data folder: pass --data DIR or set NESSCAN_DATA (e.g. ../shared/data)")
    root = Path(chosen)
    for rel in require:
        if not (root / rel).is_file():
            raise NesscanError(f"{root}: not a nesscan data folder (missing {rel})")
    return root


def train(data: Path, model_dir: str | os.PathLike, *, embedder_spec: dict[str, Any] | str = "physchem",
          context: str = "peptide", params: ClassifierParams = ClassifierParams(), seed: int = 0,
          log: Log = lambda msg: None, prepared: tuple[ExampleSet, pd.DataFrame] | None = None,
          classifier: str = "ensemble", tracks: str = "plddt", runtime: Runtime | None = None,
          weak_positives: bool = False, natural_null: str | os.PathLike | None = None) -> Path:
    """Train a model on the data folder's prepared examples and write its directory.

    ``classifier`` ``"ensemble"`` (default), ``"logistic"`` or ``"gbm"``: flat window
    features (``tracks``: ``"plddt"``, ``"full"`` or ``"none"``), nested selection on the
    ``train`` + ``val`` splits (:func:`nesscan.model.train.train_flat`; ``embedder_spec``,
    ``context`` and ``params`` do not apply), with the window call's reference nulls
    (:func:`nesscan.screen.reference.with_reference_nulls`; ``natural_null``: a FASTA to use
    as the natural null). ``"transformer"``: a Transformer over ``embedder_spec``'s
    per-residue vectors in ``context``, early-stopped on ``val``
    (:func:`nesscan.model.train.train_transformer`).

    The directory also gets ``examples.tsv`` (every example with its split), so that
    :func:`evaluate` scores exactly the held-out examples. With the MultiLoc set in ``data``
    (``localisation/multiloc``), it also gets the compartment gate
    (:func:`nesscan.validate.compartment.with_gate`).
    """
    from nesscan.model.train import train_flat, train_transformer

    checksums = training_files(data)
    _check_weak_positives(data, weak_positives)
    prepared = prepared or prepare(data, seed=seed)
    if classifier == "transformer":
        model = train_transformer(prepared, model_dir, checksums, nes_sites_of(data), seed=seed, log=log,
                                  embedder_spec=embedder_spec, context=context, params=params)
        return with_gate(data, model, seed, log)
    from nesscan.screen.reference import with_reference_nulls

    model = train_flat(prepared, model_dir, checksums, nes_sites_of(data), seed=seed, log=log, family=classifier,
                       tracks=tracks, runtime=runtime, weak_positives=weak_positives)
    return with_reference_nulls(data, with_gate(data, model, seed, log), seed, log, natural_null)


def evaluate(model_dir: str | os.PathLike, out_dir: str | os.PathLike, *, data: Path | None = None,
             n_boot: int = 1000, seed: int = 0, runtime: Runtime | None = None,
             log: Log = lambda msg: None, prepared: tuple[ExampleSet, pd.DataFrame] | None = None) -> dict[str, Any]:
    """Held-out metrics of a model beside the trivial baselines, with ROC/PR figures.

    Writes ``metrics.json``, ``metrics.txt``, ``roc.png``, ``pr.png`` and
    ``predictions.tsv`` (every test example with its score) into ``out_dir``.
    Doubtful NESdb positives are evaluated on their own against the same negatives. The
    overall scores, the doubtful positives' and the false-positive rate at the threshold use
    the negatives of "all": a set registered with ``in_all=False`` has only its own row.
    A model with a protein level, given the data folder it was trained on (``data``, else
    ``$NESSCAN_DATA``; a flat model needs it for its windows' parent proteins too) with its
    cargo table, is also evaluated on the cargo table's held-out
    proteins (:func:`nesscan.validate.cargo.held_out_cargo`): ``cargo_metrics.json`` and
    ``cargo_predictions.tsv``, and ``metrics["protein_level"]``. ``prepared``: that data
    folder's :func:`prepare` for the model's seed, when the caller has it.
    ``runtime``: device, precision, embedding cache and ESM-2 weights location.
    """
    from nesscan.validate.evaluate import evaluate_scores, evaluate_with_baselines, format_metrics_table, plot_pr, plot_roc

    model = Predictor.load(model_dir, runtime)
    path = Path(model_dir) / "examples.tsv"
    if not path.is_file():
        raise NesscanError(f"{model_dir}: no examples.tsv (models trained by `nesscan train` have one)")
    table = pd.read_csv(path, sep="\t", keep_default_na=False)
    proteins = {}
    if model.context == "protein" and model.featurizer.contextual:
        proteins = training_proteins(data_dir(data), model.config)
    held = table[(table.split == "test") & table.centred]
    test = held[held.source != "nesdb_doubtful"]
    doubtful = table[(table.source == "nesdb_doubtful") & (table.split != "train") & table.centred]
    train_rows = table[(table.split == "train") & (table.source != "nesdb_doubtful")]
    scores = model.score_windows(test, proteins)
    metrics = evaluate_with_baselines(test.label.to_numpy(), scores, list(train_rows.sequence),
                                      train_rows.label.to_numpy(), list(test.sequence),
                                      groups=test.source.to_numpy(), seed=seed, n_boot=n_boot)
    d_scores = model.score_windows(doubtful, proteins)
    pos = test.label.to_numpy() == 1  # negatives: those of "all" (the separate sets have their own row only)
    neg = ~pos & ~test.source.isin(list(metrics["separate"])).to_numpy()
    if len(doubtful):
        metrics["doubtful_positives"] = {
            k: v for k, v in evaluate_scores(np.r_[np.ones(len(d_scores)), np.zeros(neg.sum())],
                                             np.r_[d_scores, scores[neg]], n_boot=n_boot, seed=seed).items()
            if k in ("auc", "auc_lo", "auc_hi", "average_precision", "n_pos", "n_neg")}
    metrics["threshold"] = model.threshold
    metrics["recall_at_threshold"] = float((scores[pos] >= model.threshold).mean())
    metrics["false_positive_rate_at_threshold"] = float((scores[neg] >= model.threshold).mean())
    metrics["embedder"] = model.config.embedder
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = format_metrics_table(metrics)
    write_text(out / "metrics.txt", text + "\n")  # complete at the window level, whatever follows
    write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    name = f"{model.config.family} model" if model.flat else f"{model.config.embedder['name']} embedder"
    plot_roc(metrics, out / "roc.png", f"Held-out test ROC ({name}, homology split)")
    plot_pr(metrics, out / "pr.png", f"Held-out test precision-recall ({name})")
    write_text(out / "predictions.tsv", test.assign(score=scores).to_csv(sep="\t", index=False))
    log(text)
    cargo = None if model.protein_model is None else \
        _evaluate_protein_level(model, table, out, data, prepared, n_boot, seed, log, metrics)
    if cargo is not None:
        write_text(out / "metrics.txt", text + "\n\nCargo table, held-out test split\n" + cargo + "\n")
        write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    return metrics


def _evaluate_protein_level(model: Predictor, table: pd.DataFrame, out: Path, data: Path | None,
                            prepared: tuple[ExampleSet, pd.DataFrame] | None, n_boot: int, seed: int, log: Log,
                            metrics: dict[str, Any]) -> str | None:
    """:func:`evaluate`'s protein level on the cargo table's held-out proteins (see there);
    returns its text table, None when it is not evaluated (logged why)."""
    from nesscan.io.cargo import CARGO_FILE
    from nesscan.validate.cargo import cargo_metrics, cargo_summary, format_cargo_table, held_out_cargo

    root = data_dir(data)
    if not (root / CARGO_FILE).is_file():
        log(f"protein level not evaluated: {root} has no cargo table ({CARGO_FILE})")
        return None
    ex, examples = prepared or prepare(root, seed=model.config.seed, window=model.window)
    split = examples.drop_duplicates("accession").set_index("accession").split
    mine = table.drop_duplicates("accession").set_index("accession").split
    if not mine.index.isin(split.index).all() or not mine.equals(split.reindex(mine.index)):
        raise NesscanError(f"{root}: this data folder does not give the splits of the model's examples.tsv "
                           "(other data or another seed than the model was trained with)")
    folds = int(model.config.protein_model.get("inner_folds", 3))
    pred = held_out_cargo(model, ex.cargo, seed=model.config.seed, inner_folds=folds)
    write_text(out / "cargo_predictions.tsv", pred.to_csv(sep="\t", index=False, float_format="%.6g"))
    if min(pred.label.sum(), (pred.label == 0).sum()) < 2:
        log("protein level not evaluated: the test split holds too few labelled proteins of a class")
        return None
    cargo = cargo_metrics(pred, n_boot=n_boot, seed=seed)
    write_text(out / "cargo_metrics.json", json.dumps(cargo, indent=2) + "\n")
    metrics["protein_level"] = {"n_cargo": cargo["n_cargo"], "n_non_binders": cargo["n_non_binders"],
                                "auc": cargo["by_length"]["overall"]["auc"]}
    log(cargo_summary(cargo, "held-out test split"))
    return format_cargo_table(cargo)


def run(data: Path, out_dir: str | os.PathLike, proteomes: list[str] | None = None, *,
        embedder_spec: dict[str, Any] | str = "physchem", context: str = "peptide",
        params: ClassifierParams = ClassifierParams(), seed: int = 0, n_boot: int = 1000,
        folds: int = 5, runtime: Runtime | None = None, log: Log = lambda msg: None,
        progress: Callable[[str], Any] | None = None,
        structures: str | os.PathLike | None = None, resume: bool = False,
        workers: int | None = None, classifier: str = "ensemble", tracks: str = "plddt",
        weak_positives: bool = False) -> Path:
    """The whole pipeline into one folder: examples -> features -> train -> evaluate
    -> cross-validate -> screen -> report.

    ``out_dir`` receives ``run.json`` (config, versions, seed, input checksums,
    timings), ``model/`` (the model directory, with ``examples.tsv`` holding the split),
    ``split.tsv``, ``evaluation/``, ``cv/``, ``site.json`` and ``protein_level.json``
    (:mod:`nesscan.validate.protein_level`; skipped when ``folds < 2``), one ``screen/<proteome>/``
    per proteome (default: the yeast proteome of the data folder and, as the negative
    control with no nucleus and no CRM1, the E. coli proteome, when present), with
    ``structure.csv`` beside its candidates when ``structures`` names a folder of AlphaFold
    models (:func:`nesscan.structure.files.structure_file`), and
    ``report/`` (:func:`nesscan.report.write_report`). ``resume`` continues the screens
    of an interrupted run from their finished chunks; ``workers`` as for :func:`screen`;
    ``runtime`` (device, precision, cache, ESM-2 weights) applies to every step that
    scores with the trained model (evaluation, cross-validation, screens); ``classifier`` and
    ``tracks`` as for :func:`train` (a flat classifier's cross-validation folds repeat its
    nested selection inside each fold).
    The run owns its ``screen/<proteome>/`` folders: a screen there replaces
    an earlier one (whether the run folder may be reused is decided before, by
    :func:`nesscan.screen.outputs.claim_run_folder` in ``nesscan run``).
    """
    from nesscan.runrecord import RunRecord

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if proteomes is None:
        defaults = [data / "proteomes" / name for name in DEFAULT_PROTEOMES]
        proteomes = [str(p) for p in defaults if p.is_file()]
    for fasta in proteomes:
        require_file(fasta)
    _check_weak_positives(data, weak_positives)
    if structures is not None and not Path(structures).is_dir():
        raise NesscanError(f"{structures}: not a directory of structure models")
    record = RunRecord(out / "run.json", "run", {
        "data": str(data), "classifier": classifier,
        **({"embedder": embedder_spec, "context": context, "params": params.to_dict()} if classifier == "transformer"
           else {"tracks": tracks, "weak_positives": weak_positives}), "seed": seed,
        "bootstrap": n_boot, "folds": folds, "proteomes": proteomes})
    for rel in training_files(data):
        record.input(data / rel)
    record.start("train")
    prepared = prepare(data, seed=seed)
    if folds >= 2 and folds > prepared[1].cluster.nunique():
        raise NesscanError(f"--folds {folds} is more than the {prepared[1].cluster.nunique()} homology clusters")
    model_dir = train(data, out / "model", embedder_spec=embedder_spec, context=context, params=params,
                      seed=seed, log=log, prepared=prepared,
                      classifier=classifier, tracks=tracks, runtime=runtime, weak_positives=weak_positives)
    record.stop("train")
    table = prepared[1]
    write_text(out / "split.tsv", table.drop_duplicates("accession")[["accession", "cluster", "split"]]
               .to_csv(sep="\t", index=False))
    record.start("evaluate")
    metrics = evaluate(model_dir, out / "evaluation", data=data, n_boot=n_boot, seed=seed,
                       runtime=runtime, log=log, prepared=prepared)
    record.stop("evaluate")
    results = record.data["results"]
    results["test_auc"] = {k: [v["auc"], v["auc_lo"], v["auc_hi"]] for k, v in metrics["scorers"].items()}
    results["test_auc_by_negative_set"] = {g: [v["scorers"]["model"][k] for k in ("auc", "auc_lo", "auc_hi")]
                                           for g, v in metrics["groups"].items()}
    results["not_in_all_negatives"] = metrics["separate"]
    if "protein_level" in metrics:
        results["test_cargo_auc"] = {s: [v["auc"], v["auc_lo"], v["auc_hi"]]
                                     for s, v in metrics["protein_level"]["auc"].items() if v is not None}
    if folds >= 2:
        from nesscan.validate.protein_level import validate

        record.start("cross_validation")
        ex, table = prepared
        model = Predictor.load(model_dir, runtime)
        sites = nes_sites_of(data)
        valid = validate(table, ex.proteins, model.featurizer, model.context,
                         classifier if model.flat else params, out, sites, folds=folds,
                         seed=seed, n_boot=n_boot, log=log, nes_accessions=set(sites.accession), cargo=ex.cargo,
                         weak_positives=weak_positives)
        cv = valid["cv"]
        if "cargo" in valid:
            results["cargo_pooled_auc"] = {s: v for s, v in valid["cargo"]["by_length"]["overall"]["auc"].items()}
        results["cv_pooled_auc"] = {g: [b["model"][k] for k in ("pooled_auc", "pooled_lo", "pooled_hi")]
                                    for g, b in cv["summary"].items()}
        record.stop("cross_validation")
    for fasta in proteomes:
        name = proteome_name(fasta)
        record.start(f"screen:{name}")
        log(f"screening {fasta}")
        ctx = progress(f"screening {name}") if progress else None
        if ctx is None:
            summary = screen(fasta, out / "screen" / name, model_dir, runtime=runtime,
                             resume=resume, workers=workers, overwrite=True)
        else:
            with ctx as cb:
                summary = screen(fasta, out / "screen" / name, model_dir, runtime=runtime,
                                 progress=cb, resume=resume, workers=workers, overwrite=True)
        log(f"{name}: {summary.proteins} proteins, {summary.candidates} candidates "
            f"({summary.known_candidates} known)")
        from nesscan.validate.protein_classes import write_class_rates

        write_class_rates(out / "screen" / name, fasta, Predictor.load(model_dir, runtime), log)
        record.data["results"][f"screen:{name}"] = {"proteins": summary.proteins,
                                                    "candidates": summary.candidates,
                                                    "known_candidates": summary.known_candidates}
        if structures is not None:
            from nesscan.structure.files import structure_file

            log(f"structure: {structure_file(out / 'screen' / name / 'candidates.csv', structures, fasta=fasta)}")
        record.stop(f"screen:{name}")
    from nesscan.report import write_report

    record.start("report")
    log(f"report: {write_report(out)}")
    record.stop("report")
    return out


def _check_weak_positives(data: Path, weak_positives: bool) -> None:
    """Refuse ``weak_positives`` before any work when the data folder has no cargo table."""
    from nesscan.io.cargo import CARGO_FILE

    if weak_positives and not (data / CARGO_FILE).is_file():
        raise NesscanError(f"--weak-positives needs the CRM1 cargo table in the data folder ({data / CARGO_FILE})")
