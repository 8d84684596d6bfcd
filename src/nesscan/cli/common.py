"""Options and terminal helpers shared by the commands (log lines, progress bars)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from nesscan.errors import NesscanError

EMBEDDERS = ("physchem", "esm2", "unirep")


def formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


#: One meaning per option, whatever the command:
#:
#: ============================  ==========================================================
#: ``--model DIR``               a trained model directory (evaluate, screen, serve)
#: ``--device DEV``              torch device of the Transformer and an esm2 embedder
#: ``--precision P``             float32 or bfloat16 matrix products (Transformer, esm2)
#: ``--embedding-cache DIR``     cache of per-residue tracks and embeddings
#: ``--esm-model NAME_OR_DIR``   ESM-2 weights: a hub name or a local folder
#: ``--seed N``                  the training seed (train, run); screen's is ``--decoy-seed``
#: ``--workers N``               parallel workers (processes in screen/run, threads in serve)
#: ============================  ==========================================================
ESM_MODEL_HELP = ("ESM-2 weights: hub name (esm2_t6_8M_UR50D ... esm2_t36_3B_UR50D) or local folder{}")


def add_embedder_options(p: argparse.ArgumentParser) -> None:
    """Features of ``--classifier transformer``: ``--embedder``, ``--esm-model``, ``--layer``,
    ``--context``."""
    p.add_argument("--embedder", choices=EMBEDDERS, default="physchem",
                   help="per-residue featurizer of --classifier transformer (default: physchem, weight-free)")
    p.add_argument("--esm-model", default="esm2_t6_8M_UR50D", metavar="NAME_OR_DIR",
                   help=ESM_MODEL_HELP.format(" (esm2 only; default esm2_t6_8M_UR50D)"))
    p.add_argument("--layer", type=int, default=-1, help="esm2 only: hidden layer (-1 = last)")
    p.add_argument("--context", choices=("peptide", "protein"), default="peptide",
                   help="--classifier transformer only: embed each window alone (peptide, default) or "
                        "slice it from its protein")


CLASSIFIERS = ("ensemble", "logistic", "gbm", "transformer")


def add_classifier_options(p: argparse.ArgumentParser, cache: bool = False) -> None:
    """``--classifier`` and ``--tracks`` (and ``--embedding-cache`` where the command has no
    runtime options): which model family ``train``/``run`` fit."""
    p.add_argument("--classifier", choices=CLASSIFIERS, default="ensemble",
                   help="ensemble (default): mean of logistic regression and boosted trees over window features "
                        "from the parent protein (consensus, physico-chemistry, metapredict track means, fitted "
                        "anchor PSSM), hyper-parameters and threshold chosen by inner homology-grouped CV; "
                        "logistic or gbm alone; transformer: the per-residue Transformer of the NES-Finder method "
                        "(uses --embedder, --context, --max-epochs)")
    p.add_argument("--tracks", choices=("plddt", "full", "none"), default="plddt",
                   help="metapredict tracks of the flat classifiers: plddt (default), full (pLDDT and disorder; "
                        "about 3x slower to screen), none")
    p.add_argument("--weak-positives", action="store_true",
                   help="flat classifiers with a cargo table in the data folder: also train on each CRM1 cargo "
                        "protein's best window (one round of multiple-instance learning; measured, not the default)")
    if cache:
        p.add_argument("--embedding-cache", metavar="DIR",
                       help="keep per-residue tracks/embeddings in DIR and reuse them (same numbers, faster reruns)")


def check_classifier(args: argparse.Namespace) -> None:
    """Refuse Transformer-only options (``--embedder``, ``--context``, ``--max-epochs``) with a
    flat classifier, and ``--weak-positives`` with the Transformer, instead of ignoring them."""
    if args.classifier == "transformer":
        if getattr(args, "weak_positives", False):
            raise NesscanError("--weak-positives applies to the flat classifiers only (ensemble, logistic, gbm)")
        return
    given = [opt for opt, value, default in (("--embedder", args.embedder, "physchem"),
                                             ("--context", args.context, "peptide"),
                                             ("--max-epochs", args.max_epochs, 40)) if value != default]
    if given:
        raise NesscanError(f"{', '.join(given)} apply to --classifier transformer only "
                           f"(this trains the {args.classifier})")


def add_model_option(p: argparse.ArgumentParser, required: bool = False) -> None:
    """``--model DIR``: the trained model a command loads."""
    p.add_argument("--model", metavar="DIR", required=required,
                   help="model directory written by `nesscan train`" if required
                   else "model directory (default: the model shipped with nesscan)")


def add_runtime_options(p: argparse.ArgumentParser, esm_model: bool = True) -> None:
    """``--device``, ``--precision``, ``--embedding-cache`` (and ``--esm-model`` unless the
    command already has it from :func:`add_embedder_options`): how a model's numbers are
    computed (:class:`nesscan.predictor.Runtime`), none of which changes what the model is."""
    p.add_argument("--device", help="torch device of a Transformer model and its esm2 embedder, e.g. cuda "
                   "(default: CPU; the default window-feature model always runs on the CPU)")
    p.add_argument("--precision", choices=("float32", "bfloat16"), default="float32",
                   help="matrix products of a Transformer model and of an esm2 embedder (bfloat16: faster on "
                        "CPUs with AVX-512 BF16, standard on GPUs; probabilities within 0.005 of float32's "
                        "with the physchem Transformer; no effect on the default "
                        "window-feature model; default float32)")
    p.add_argument("--embedding-cache", metavar="DIR",
                   help="keep per-residue tracks (metapredict) and language-model embeddings in DIR, keyed by "
                        "a hash of (track or embedder spec, sequence), and reuse them (4 bytes x dim per residue)")
    if esm_model:
        p.add_argument("--esm-model", metavar="NAME_OR_DIR", help=ESM_MODEL_HELP.format(
            ", for an esm2 model whose weights are not in $NESSCAN_CACHE/esm2/<name>"))


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (``--workers``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 (a free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0 to 65535; 0 picks a free one)")
    return value


def add_workers_option(p: argparse.ArgumentParser) -> None:
    """``--workers N``: processes scoring a screen's chunks at once."""
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="processes scoring chunks at once, each with cores/N torch threads (default: one per "
                        "CPU core; 1 when a Transformer model runs with --device cuda)")


def add_training_options(p: argparse.ArgumentParser) -> None:
    """``--seed`` and ``--max-epochs`` (the Transformer's)."""
    p.add_argument("--seed", type=int, default=0, help="training seed: examples, homology split, boosted "
                   "trees, or the Transformer's initialisation and batches (default 0)")
    p.add_argument("--max-epochs", type=int, default=40, help="--classifier transformer only: training epochs "
                   "at most (default 40; training stops earlier when validation AUC stops improving)")


def classifier_params(args: argparse.Namespace):
    """:class:`~nesscan.model.classifier.ClassifierParams` (the Transformer's) from the training options."""
    from nesscan.model.classifier import ClassifierParams

    if args.max_epochs < 1:
        raise NesscanError("--max-epochs must be at least 1")
    return ClassifierParams(max_epochs=args.max_epochs)


def embedder_spec(args: argparse.Namespace) -> dict[str, Any]:
    """The embedder spec dict chosen by :func:`add_embedder_options`."""
    if args.embedder == "esm2":
        return {"name": "esm2", "model": args.esm_model, "layer": args.layer}
    return {"name": args.embedder}


def runtime(args: argparse.Namespace):
    """The :class:`~nesscan.predictor.Runtime` of :func:`add_runtime_options` (``--esm-model``
    counts as a weights location only for an esm2 embedder where the command trains one)."""
    from nesscan.predictor import Runtime

    weights = getattr(args, "esm_model", None)
    if getattr(args, "embedder", "esm2") != "esm2":
        weights = None
    return Runtime(device=getattr(args, "device", None) or None, precision=getattr(args, "precision", "float32"),
                   cache_dir=getattr(args, "embedding_cache", None) or None, weights=weights or None)


class Reporter:
    """Log lines to stderr (and optionally a file) and a rich progress bar on a terminal."""

    def __init__(self, logfile: Path | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.file = open(logfile, "a") if logfile is not None else None

    def log(self, message: str) -> None:
        import time

        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        print(line, file=self.stream, flush=True)
        if self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()

    @contextlib.contextmanager
    def progress(self, description: str) -> Iterator[Callable[[int, int], None]]:
        """A ``progress(done, total)`` callback: a bar when stderr is a terminal, else plain
        lines (:class:`LineProgress`), so a log file shows progress as it happens."""
        if not self.stream.isatty():
            yield LineProgress(self.stream, description)
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task(description, total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class LineProgress:
    """A ``progress(done, total)`` callback writing plain, flushed lines to a stream that is
    not a terminal (a log file, a pipe): one each time another ``step`` of the total is done,
    one at least every ``interval`` seconds while work advances (or when the total is
    unknown, ``None`` or 0), and one when it is complete; none in the first :attr:`QUIET`
    seconds, so a command that ends (or fails) at once logs only its result (or its one
    error line).

    Lines read ``[HH:MM:SS] screening: 1,215/6,077 (20%)``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> p = LineProgress(out, "screening", clock=lambda: 0.0)
    >>> p.QUIET = 0.0
    >>> for done in range(0, 11):
    ...     p(done, 10)
    >>> [line[11:] for line in out.getvalue().splitlines()][:2]
    ['screening: 1/10 (10%)', 'screening: 2/10 (20%)']
    """

    #: Seconds after the start with no line.
    QUIET = 10.0

    def __init__(self, stream: TextIO, description: str, step: float = 0.1, interval: float = 30.0,
                 clock: Callable[[], float] | None = None) -> None:
        import time

        self.stream, self.description, self.step, self.interval = stream, description, step, interval
        self.clock = clock or time.monotonic
        self._next = 1  # the multiple of ``step`` that earns the next line
        self._start = self._last_time = self.clock()
        self._last_done: int | None = None

    def __call__(self, done: int, total: int | None) -> None:
        import time

        now = self.clock()
        if done == self._last_done or now - self._start < self.QUIET:
            return
        fraction = done / total if total else None
        if fraction is not None and fraction / self.step + 1e-9 >= self._next:
            self._next = int(fraction / self.step + 1e-9) + 1
        elif now - self._last_time < self.interval:
            return
        self._last_time, self._last_done = now, done
        shown = f"{done:,}/{total:,} ({fraction:.0%})" if fraction is not None else f"{done:,}"
        self.stream.write(f"[{time.strftime('%H:%M:%S')}] {self.description}: {shown}\n")
        self.stream.flush()
