"""``nesscan screen``: one proteome into one folder with its run record (:func:`screen_proteome`), or
several in one call, on the local engine or on a Ray cluster, into a local folder or a pyarrow
URI (:func:`screen_proteomes`, behind ``nesscan screen A B ... -o OUT``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from nesscan.errors import NesscanError
from nesscan.io.fasta import proteome_name, require_file
from nesscan.runtime import Runtime

if TYPE_CHECKING:
    from nesscan.screen.scan import ScreenSummary

CONCURRENT_SCREENS = 4


def screen_proteome(fasta: str | os.PathLike, out_dir: str | os.PathLike, model_dir: str | os.PathLike | None = None,
                    *, threshold: float | None = None, nesdb: str | os.PathLike | None = None,
                    runtime: Runtime | None = None, decoy_fraction: float = 0.25, seed: int = 0,
                    progress: Callable[[int, int], None] | None = None, resume: bool = False,
                    chunk_floats: int = 16_000_000, workers: int | None = None,
                    engine: Callable[..., Any] | None = None, overwrite: bool = False,
                    importance: Callable[..., Any] | None = None) -> ScreenSummary:
    """Screen a FASTA file with a model (the packaged default when ``model_dir`` is None).

    Writes the screen's three tables (:mod:`nesscan.screen.scan`) and ``screen.json`` (model,
    input checksum, versions, timings, summary). Returns the
    :class:`~nesscan.screen.scan.ScreenSummary`. ``resume`` continues an interrupted screen
    from the chunks it finished (:mod:`nesscan.screen.chunks`); ``chunk_floats`` bounds the
    memory of a chunk and ``workers`` the processes scoring chunks at once, ``None`` for
    one per core (see :func:`~nesscan.screen.scan.screen_fasta`); ``runtime`` the device,
    precision (``"bfloat16"`` runs a Transformer's and an esm2 embedder's matrix products
    in bfloat16), embedding cache and ESM-2 weights location; ``engine``
    scores the chunks (default: local worker processes; :func:`screen_proteomes`).
    ``out_dir`` must be new or empty unless ``overwrite`` (replace an earlier screen) or
    ``resume``; a failed screen leaves it as it was (:mod:`nesscan.screen.outputs`).
    ``importance`` writes ``importance.csv`` (:func:`~nesscan.screen.scan.screen_fasta`).
    """
    from dataclasses import asdict
    from pathlib import Path

    from nesscan.dataset.prepare import nes_sites_of_file
    from nesscan.predictor import Predictor
    from nesscan.runrecord import RunRecord
    from nesscan.screen.outputs import claim_screen_folder
    from nesscan.screen.scan import screen_fasta

    require_file(fasta)
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise NesscanError(f"threshold must be between 0 and 1, not {threshold}")
    if not 0.0 <= decoy_fraction <= 1.0:
        raise NesscanError(f"decoy fraction must be between 0 and 1, not {decoy_fraction}")
    if chunk_floats < 1:
        raise NesscanError(f"chunk size must be positive, not {chunk_floats}")
    runtime = runtime or Runtime()
    model = Predictor.load(model_dir, runtime)
    known = nes_sites_of_file(Path(nesdb)) if nesdb else None
    out = Path(out_dir)
    claim = claim_screen_folder(out, overwrite=overwrite, resume=resume)
    record = RunRecord(out / "screen.json", "screen", {
        "fasta": str(Path(fasta).resolve()), "model": str(model.path),
        "weights_sha256": model.config.weights_sha256, "embedder": model.config.embedder,
        "context": model.context, "threshold": model.threshold if threshold is None else threshold,
        "known_nes": str(nesdb) if nesdb else "model's training NESs",
        "decoy_fraction": decoy_fraction, "seed": seed, "precision": runtime.precision})
    record.input(fasta)
    record.data["config"]["fasta_sha256"] = record.data["inputs"][str(fasta)]["sha256"]
    record.start("screen")
    try:
        summary = screen_fasta(fasta, out, model, threshold, known, decoy_fraction=decoy_fraction,
                               seed=seed, progress=progress, resume=resume, chunk_floats=chunk_floats,
                               workers=workers, engine=engine, importance=importance)
        record.data["results"] = asdict(summary)
        record.stop("screen")
    except BaseException:
        claim.rollback()  # leaves nothing new, but an interrupted screen's .partial/
        raise
    claim.commit()
    return summary


def screen_proteomes(fastas: list[str | os.PathLike], out: str, engine: str = "local",
                     ray_address: str | None = None, progress: Callable[[int, int], None] | None = None,
                     **options: Any):
    """Screen one or several FASTA files into ``out``, on the local engine or on Ray.

    One file keeps :func:`screen_proteome`'s layout (``out`` itself); several write ``out/<name>/``
    each (:func:`proteome_name`). On ``engine="ray"`` (:class:`~nesscan.screen.ray_engine.RayEngine`,
    ``ray_address`` as there) up to :data:`CONCURRENT_SCREENS` screens run at once, one driver
    thread each, so the chunks of several proteomes share the actor pool; locally they run one
    after the other.
    ``out`` may be a URI of a pyarrow filesystem (``s3://``, ``gs://``, ``file://``): the
    screens are written into a local staging folder (:mod:`nesscan.screen.destination`)
    and the finished files uploaded. ``options`` are :func:`screen_proteome`'s. Returns the
    :class:`~nesscan.screen.scan.ScreenSummary` of each file, in order. Several files are
    all read first (:func:`check_fastas`), and a call that fails with a
    :class:`~nesscan.errors.NesscanError` removes the folders it created: it leaves nothing new.
    With ``resume``, a proteome of several that an earlier, interrupted call finished is not
    screened again (:func:`finished_summary`).
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from nesscan.screen.destination import staged

    fastas = [str(f) for f in fastas]
    if not fastas:
        raise NesscanError("no FASTA file to screen")
    names = [proteome_name(f) for f in fastas]
    if len(fastas) > 1 and len(set(names)) < len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise NesscanError(f"two FASTA files would share the output folder {dup[0]}/: rename one")
    for f in fastas:
        require_file(f)
    if engine not in ("local", "ray"):
        raise NesscanError(f"engine must be local or ray, not {engine!r}")
    if len(fastas) > 1:
        check_fastas(fastas)  # a bad later file would fail after the earlier ones were written
    runner = None
    if engine == "ray":
        from nesscan.model.store import read_config
        from nesscan.predictor import uses_device
        from nesscan.screen.ray_engine import RayEngine

        rt = options.get("runtime")
        device = rt.device if rt else None
        if device and not uses_device(read_config(options.get("model_dir"))[0]):
            device = None  # the model computes on the CPU: its actors ask Ray for no GPU
        runner = RayEngine(ray_address, workers=options.get("workers"), device=device)
    done = [(0, 0)] * len(fastas)
    lock = threading.Lock()

    def report(i: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None

        def one(d: int, t: int) -> None:
            with lock:
                done[i] = (d, t)
                progress(sum(x for x, _ in done), sum(y for _, y in done))
        return one

    try:
        with staged(out) as local:
            targets = [local] if len(fastas) == 1 else [local / n for n in names]
            new = [t for t in [local, *targets] if not t.exists()] if len(fastas) > 1 else []
            skip_finished = len(fastas) > 1 and options.get("resume")

            def screen_one(i: int):
                finished = finished_summary(targets[i], fastas[i], options) if skip_finished else None
                return finished or screen_proteome(fastas[i], targets[i], progress=report(i), engine=runner, **options)

            jobs = [lambda i=i: screen_one(i) for i in range(len(fastas))]
            try:
                if runner is None or len(jobs) == 1:
                    return [job() for job in jobs]
                # a few screens at once keep the pool busy while one is calibrated, and bound the
                # driver's memory (each holds a model and its calibration)
                with ThreadPoolExecutor(min(len(jobs), CONCURRENT_SCREENS)) as pool:
                    futures = [pool.submit(job) for job in jobs]
                    return [f.result() for f in futures]
            except NesscanError:
                _remove_new(new)  # the folders this call made; an interrupted one keeps its chunks
                raise
    finally:
        if runner is not None:
            runner.shutdown()


def check_fastas(fastas: list[str]) -> None:
    """Read every record of each FASTA file, so that a bad one fails before anything is written.

    Raises
    ------
    NesscanError
        The first problem :func:`~nesscan.io.fasta.iter_fasta` meets (missing file, bad
        residue, nucleotide sequence, duplicate id, truncated gzip, ...).
    """
    from collections import deque

    from nesscan.io.fasta import iter_fasta

    for fasta in fastas:
        deque(iter_fasta(fasta), maxlen=0)


def _remove_new(folders: list) -> None:
    """Remove the folders of a failed multi-FASTA call that it created (the deepest first)."""
    import shutil

    for folder in reversed(folders):
        shutil.rmtree(folder, ignore_errors=True)


def finished_summary(target, fasta: str, options: dict[str, Any]):
    """The :class:`~nesscan.screen.scan.ScreenSummary` of a screen of ``fasta`` already finished
    in ``target`` with the same model, threshold, decoy fraction and seed (its ``screen.json``
    says so, and no ``.partial/`` is waiting), else None: ``--resume`` of a multi-FASTA call
    killed after that proteome skips it. ``options`` are :func:`screen_proteome`'s."""
    import json
    from pathlib import Path

    from nesscan.hashing import sha256_file
    from nesscan.model.store import read_config
    from nesscan.screen.scan import ScreenSummary

    target = Path(target)
    if (target / ".partial" / "manifest.json").is_file() or not (target / "candidates.csv").is_file():
        return None
    try:
        record = json.loads((target / "screen.json").read_text())
        config, results = record["config"], record["results"]
        model, model_dir = read_config(options.get("model_dir"))
        threshold = options.get("threshold")
        same = (config["fasta_sha256"] == sha256_file(fasta)
                and Path(config["model"]).resolve() == Path(model_dir).resolve()
                and config["threshold"] == (model.threshold if threshold is None else threshold)
                and config["decoy_fraction"] == options.get("decoy_fraction", 0.25)
                and config["seed"] == options.get("seed", 0))
        return ScreenSummary(**results) if same else None
    except (OSError, ValueError, KeyError, TypeError, NesscanError):
        return None
