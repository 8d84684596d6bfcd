"""Make the figures of the documentation site (docs/assets/).

* ``screen_score_distribution.png`` and ``screen_score_boxplot.png``: the report figures
  (:mod:`nesscan.report.figures`, as ``nesscan report`` draws them) of a small screen with the
  shipped model: a seeded sample of the data folder's yeast proteome, and of the E. coli
  proteome as the negative control (no nucleus, no CRM1);
* ``predict_page.png``: the predict page of ``nesscan serve`` (shipped model) after its
  "Example: PKI-alpha" button and Predict, in Debian's headless Chromium driven by Playwright
  (as tests/test_browser.py does; ``$NESSCAN_CHROMIUM`` names another binary).

Run from the repository root (about two minutes on 2 cores with the real data):

    python scripts/docs_figures.py                      # data: $NESSCAN_DATA, into docs/assets/
    python scripts/docs_figures.py --data ../shared/data -o docs/assets --proteins 300

The PNGs are committed (each under 300 KB); tests/test_docs.py runs this script on its small
synthetic data folder and checks that it makes the same files.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAST = "proteomes/UP000002311-S.cerevisiae.fasta.gz"
ECOLI = "proteomes/UP000000625-E.coli.fasta.gz"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def sample_fasta(source: Path, dest: Path, n: int, seed: int = 0) -> int:
    """Write a seeded sample of ``n`` records of ``source`` (all of them when it has fewer) to
    ``dest``, headers and sequences as they are, in file order; returns how many."""
    import numpy as np

    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt") as fh:
        records = [">" + r.strip() + "\n" for r in fh.read().split("\n>") if r.strip()]
    records[0] = records[0].replace(">>", ">", 1)
    keep = sorted(np.random.default_rng(seed).choice(len(records), min(n, len(records)), replace=False))
    dest.write_text("".join(records[i] for i in keep))
    return len(keep)


def screen_figures(data: Path, out: Path, n: int, workers: int | None) -> list[Path]:
    """Screen the samples and draw the report's figures of the screen into ``out``."""
    from nesscan.cli import main
    from nesscan.report import figures as F
    from nesscan.report.scores import ORIGINAL_THRESHOLD
    from nesscan.report.data import load_screen, pick_control, screen_group
    from nesscan.report.screen_report import _settings, screen_folders

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fastas = []
        for rel, name in ((YEAST, "S.cerevisiae.fasta"), (ECOLI, "E.coli.fasta")):
            fastas.append(tmp / name)
            sample_fasta(data / rel, fastas[-1], n)
        screens = tmp / "screens"
        argv = ["screen", *map(str, fastas), "-o", str(screens)] + (["--workers", str(workers)] if workers else [])
        if main(argv) != 0:
            raise SystemExit("docs_figures.py: the screen failed")
        paths = screen_folders(screens)
        threshold, window = _settings(paths[0])
        loaded = [load_screen(p, sorted({ORIGINAL_THRESHOLD, threshold}), window) for p in paths]
        control = pick_control([s.name for s in loaded], None)
        loaded.sort(key=lambda s: s.name == control)  # targets first, the control last
        groups = [screen_group(s, control) for s in loaded]
        made = []
        (tmp / "figures").mkdir()
        for stem, fig in (("screen_score_distribution", F.distribution_figure(groups, threshold)),
                          ("screen_score_boxplot", F.boxplot_figure(groups, threshold))):
            png = F.save_figure(fig, tmp / "figures", stem)["png"]
            made.append(Path(shutil.copy(png, out / png.name)))
        return made


def _web_load():
    spec = importlib.util.spec_from_file_location("web_load", ROOT / "bench" / "web_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict_page(out: Path) -> Path:
    """A screenshot of the predict page showing PKI-alpha's NES."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("NESSCAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("docs_figures.py: Chromium not found (install Debian's chromium or set NESSCAN_CHROMIUM)")
    web = _web_load()
    proc, url = web.start_server(["--workers", "1"])
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.click("#example")
            page.click("#submit")
            page.locator("svg .nes-window").first.wait_for()
            page.locator("svg.track-svg").first.hover(position={"x": 420, "y": 60})  # the read-out
            path = out / "predict_page.png"
            page.locator("article.protein").first.screenshot(path=str(path))
            browser.close()
    finally:
        web.stop_server(proc)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", default=str(ROOT / "docs" / "assets"), help="folder for the PNGs "
                   "(default docs/assets)")
    p.add_argument("--data", default=os.environ.get("NESSCAN_DATA"), help="data folder with the yeast and "
                   "E. coli proteomes (default $NESSCAN_DATA)")
    p.add_argument("--proteins", type=int, default=300, help="proteins sampled from each proteome (default 300)")
    p.add_argument("--workers", type=int, help="processes of the screen (default: one per core)")
    args = p.parse_args(argv)
    if not args.data:
        p.error("give --data or set NESSCAN_DATA")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    made = screen_figures(Path(args.data), out, args.proteins, args.workers)
    made.append(predict_page(out))
    for path in made:
        print(f"{path} ({path.stat().st_size / 1024:.0f} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
