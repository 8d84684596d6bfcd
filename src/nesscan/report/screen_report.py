"""``nesscan report`` on a ``nesscan screen`` folder: an HTML + Markdown summary of the screen.

Reads a screen folder (``windows.parquet``, ``candidates.csv``, ``proteins.csv``,
``screen.json``, and when present ``fdr.json``, ``importance.csv`` and ``structure.csv``; layout:
:mod:`nesscan.screen.scan`), or a folder of them (``nesscan screen A B -o OUT``: one
``OUT/<name>/`` per proteome), and writes into ``DIR/report/``: ``report.html`` (figures
embedded, opens offline), ``report.md``, the score distribution figure
(``fig2_score_distribution``, PNG and SVG) and ``report.json`` (the SHA-256 of each
``candidates.csv`` read). The blocks are those of the run report
(:mod:`nesscan.report`): the headline of the window call from ``fdr.json``'s ``call``
section, the null table and the top calls (:mod:`nesscan.report.headline`), the top
candidates and the FDR table (:mod:`nesscan.report.tables`), the proteins per call status
and the protein-level calls (:mod:`nesscan.report.protein_calls`), the per-residue importance of the top calls from
``importance.csv`` (:mod:`nesscan.report.importance`: ``fig5_importance_<name>``) and the
structure section (:mod:`nesscan.report.structure`). A screen carries no held-out evaluation, so there is
no ROC, cross-validation or methods section: that is the report of ``nesscan run``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from nesscan.errors import NesscanError
from nesscan.report.data import ScreenData, load_screen, pick_control, proteome_label, read_json, screen_group
from nesscan.report.render import Block, FigureRef, Heading, Para, Table

__all__ = ["is_screen_folder", "screen_folders", "write_screen_report"]


def is_screen_folder(path: Path) -> bool:
    """Whether ``path`` holds a finished screen (``candidates.csv`` and ``proteins.csv``)."""
    return (path / "candidates.csv").is_file() and (path / "proteins.csv").is_file()


def screen_folders(folder: Path) -> list[Path]:
    """``folder`` itself when it is a screen folder, else its sub-folders that are (the
    ``OUT/<name>/`` of a multi-FASTA screen); empty when neither."""
    if is_screen_folder(folder):
        return [folder]
    return sorted(p for p in folder.iterdir() if p.is_dir() and is_screen_folder(p)) if folder.is_dir() else []


def _settings(path: Path) -> tuple[float, int]:
    """The screen's candidate threshold (``screen.json``) and its model's window (22 when unknown)."""
    config = (read_json(path / "screen.json") or {}).get("config") or {}
    window = 22
    model = config.get("model")
    if model and (Path(model) / "config.json").is_file():
        window = int((read_json(Path(model) / "config.json") or {}).get("window", 22))
    return float(config.get("threshold", 0.9)), window


def status_table(screens: list[ScreenData]) -> Table:
    """Proteins per ``call_status`` (``proteins.csv``), per proteome; a screen without the
    column counts its proteins by ``status``."""
    rows = []
    for s in screens:
        col = "call_status" if "call_status" in s.proteins else "status"
        values = s.proteins.get(col, pd.Series("n/a", index=s.proteins.index)).fillna("").astype(str)
        values = values.str.replace(r" \(\d+ TM (helix|helices)\)$", "", regex=True)
        for status, n in values.value_counts().items():
            rows.append((proteome_label(s.name), col, status or "(empty)", f"{n:,}",
                         f"{100.0 * n / max(len(s.proteins), 1):.1f}"))
    return Table("Proteins by call status (proteins.csv): called (a protein that can be cargo whose batch q-value "
                 "is at most 0.10), not called, or not assessed, with the compartment gate's reason",
                 ("proteome", "column", "status", "proteins", "% of proteins"), tuple(rows))


def build_screen_blocks(screens: list[ScreenData], control: str | None, threshold: float,
                        window: int, caption: str) -> list[Block]:
    """The screen report's content, in order (see the module docstring)."""
    from nesscan.report import tables as T
    from nesscan.report.headline import screens_headline
    from nesscan.report.protein_calls import screen_blocks

    fdr = [s for s in screens if s.fdr]
    blocks: list[Block] = [
        Heading(2, "Headline: novel NES candidates"),
        *screens_headline(screens, control, where="in this folder"),
        Heading(2, "Screened proteomes"),
        T.screen_table(screens, control, threshold),
        FigureRef("fig2_score_distribution", caption),
        Heading(2, "Top candidates"),
        *[T.top_candidates(s) for s in screens],
        Heading(2, "Proteins"),
        status_table(screens),
        *screen_blocks(screens, control, window, threshold),
        Heading(2, "False-discovery rate"),
        *([T.fdr_table(s) for s in fdr] or [Para("Not computed in this screen (no fdr.json).")]),
    ]
    return blocks


def write_screen_report(folder: Path, out_dir: Path | None = None, control: str | None = None) -> Path:
    """Write the report of a ``nesscan screen`` folder (or of a folder of screens).

    Parameters
    ----------
    folder
        Output folder of ``nesscan screen`` (one FASTA), or of ``nesscan screen A B -o OUT``.
    out_dir
        Where to write; ``folder / "report"`` when None (created).
    control
        Name of the screen that is the negative-control proteome (several screens only);
        default: the one named like E. coli, if any.

    Returns
    -------
    pathlib.Path
        The path of ``report.html``.

    Raises
    ------
    nesscan.errors.NesscanError
        If ``folder`` holds no finished screen, a screen file is unreadable, or ``control``
        names no screen.
    """
    from nesscan.report import figures as F
    from nesscan.report.data import write_provenance
    from nesscan.report.importance import importance_section
    from nesscan.report.render import to_html, to_markdown
    from nesscan.report.scores import ORIGINAL_THRESHOLD
    from nesscan.report.sections import caption_distribution
    from nesscan.report.structure import structure_section

    folder = Path(folder)
    paths = screen_folders(folder)
    if not paths:
        raise NesscanError(f"{folder}: neither a `nesscan run` folder (no model/config.json) nor a "
                           "`nesscan screen` folder (no candidates.csv and proteins.csv)")
    threshold, window = _settings(paths[0])
    screens = [load_screen(p, sorted({ORIGINAL_THRESHOLD, threshold}), window) for p in paths]
    chosen = pick_control([s.name for s in screens], control) if len(screens) > 1 or control else None
    screens.sort(key=lambda s: s.name == chosen)  # targets first, the control last
    groups = [screen_group(s, chosen) for s in screens]
    figs = {"fig2_score_distribution": F.distribution_figure(groups, threshold)}
    structure_blocks, structure_figs = structure_section(screens)
    figs.update(structure_figs)
    importance_blocks, importance_figs = importance_section(screens, chosen)
    figs.update(importance_figs)
    out = Path(out_dir) if out_dir is not None else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    images = {stem: F.save_figure(fig, out, stem)["png"].read_bytes() for stem, fig in figs.items()}
    config = (read_json(paths[0] / "screen.json") or {}).get("config") or {}
    title = f"nesscan screen report: {folder.resolve().name}"
    blocks = [Heading(1, title),
              Para(f"Screen folder {folder.resolve()}; model {config.get('model', 'n/a')}; candidate threshold "
                   f"{threshold:.3f}; {len(screens)} proteome screen(s). Generated by `nesscan report` from the "
                   "screen's files only (a `nesscan run` folder's report adds the held-out evaluation).")]
    blocks += build_screen_blocks(screens, chosen, threshold, window, caption_distribution(groups, threshold))
    blocks += importance_blocks
    blocks += structure_blocks
    for name, text in (("report.md", to_markdown(blocks)), ("report.html", to_html(blocks, images, title))):
        tmp = out / (name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out / name)
    write_provenance(screens, out)
    return out / "report.html"
