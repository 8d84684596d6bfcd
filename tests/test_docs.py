"""The documentation site: it builds, every page is reachable, and what it says is what the code does.

The code blocks of the tutorial and the how-to guides are run, with this convention (also on the
site's page "Writing the docs", docs/contributing.md):

* Fenced blocks whose info string starts with ``bash`` or ``python`` in ``docs/tutorial.md`` and
  ``docs/howto/*.md`` are run, in page order, in one temporary working directory per page (so a
  block sees the files the blocks before it wrote), each block in a process of its own:
  ``bash -euo pipefail BLOCK`` (a failing command, an unset variable or a failing pipe fails the
  block) and the project's Python (the environment running the tests) for ``python``.
* ``PATH`` starts with that environment's ``bin/``, so ``nesscan`` works without activating
  anything. ``NESSCAN_DATA`` names a small synthetic data folder with the layout and file names
  of the real one (``tests/docs_data.py``: ``proteomes/UP000002311-S.cerevisiae.fasta.gz``,
  ``proteomes/UP000000625-E.coli.fasta.gz``, ``proteomes/human_swissprot_assembled.fasta.gz``
  (with PKI-alpha, P61925), ``nesdb/NesDB_all_CRM1_with_peptides.csv``,
  ``negatives/mitochondrial_proteins.csv``, ``cargo/elife-11466-supp2-v4.xlsx``,
  ``localisation/multiloc/``, ``structures/`` (the real folder's four AlphaFold models when the
  real data folder is there, else none)). Blocks name data as
  ``"$NESSCAN_DATA/..."`` (bash) or ``os.environ["NESSCAN_DATA"]`` (Python), never
  ``../shared/data``. ``NESSCAN_CACHE`` is an empty folder of the test and there is no network:
  a block that downloads cannot run.
* A block whose previous non-blank line is ``<!-- not run: REASON -->`` (REASON not empty) is
  shown but not run: downloads, servers, clusters, GPUs, runs of many minutes on real data.
* ``text`` and ``console`` blocks are output (or a session to read), never run. Other languages
  (``json``, ``yaml``, ``toml``, ``csv``...) are not run either. On the pages that are run, every
  fenced block must name its language, and ``sh``, ``shell``, ``py`` or ``python3`` are refused
  (say ``bash``/``python`` to run it, ``text``/``console`` to show it).
* A failing block fails the test with the page, the block's number and line, and its stderr.
  Each block may take a few minutes at most (:data:`BLOCK_TIMEOUT`) on the small data.

Also checked: (tests/test_docs_options.py) every ``nesscan CMD --option`` written in the docs and
the README exists in that command's parser; here, every column of the
tables of docs/reference/outputs.md is one the code writes and every column the code writes is
there, every ``NESSCAN_*`` environment variable the code reads is in the CLI reference.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from doc_markdown import DOCS, ROOT, Block, cli_hook, doc_pages, fenced_blocks, prose

#: seconds one code block may run
BLOCK_TIMEOUT = 300
#: pages whose bash/python blocks are run
RUN_PAGES = sorted([p for p in [DOCS / "tutorial.md"] if p.is_file()] + sorted((DOCS / "howto").glob("*.md")))
RUN_LANGS = ("bash", "python")
OUTPUT_LANGS = ("text", "console")
REFUSED_LANGS = ("sh", "shell", "zsh", "py", "python3", "pycon", "ipython")
NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(.*?)\s*-->\s*$")


# ----------------------------------------------------------------------------- the site


def _mkdocs_config() -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # !relative and friends
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)


def _nav_pages(nav) -> list[str]:
    out = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            out += _nav_pages(value)
        elif not re.match(r"^[a-z]+://", value):
            out.append(value)
    return out


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page() -> None:
    nav = _nav_pages(_mkdocs_config()["nav"])
    assert len(nav) == len(set(nav)), "a page is listed twice in mkdocs.yml's nav"
    pages = {p.relative_to(DOCS).as_posix() for p in doc_pages()}
    assert sorted(pages - set(nav)) == [], "pages missing from mkdocs.yml's nav"
    assert sorted(set(nav) - pages) == [], "nav entries of mkdocs.yml with no page in docs/"


@pytest.mark.slow
def test_site_builds_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e .[docs]")
    pytest.importorskip("material", reason="the docs extra is not installed: pip install -e .[docs]")
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra is not installed")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                        "-d", str(site)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"mkdocs build --strict failed:\n{r.stdout}\n{r.stderr}"
    cli = (site / "reference" / "cli" / "index.html").read_text()
    for command in ("predict", "screen", "train", "evaluate", "run", "report", "serve", "structure"):
        assert f"nesscan {command}</code>" in cli, command
    assert "--decoy-fraction" in cli and "cli-reference" not in cli  # the hook filled the page
    api = (site / "reference" / "python-api" / "index.html").read_text()
    assert "nesscan.api.predict" in api and ":func:" not in api
    assert (site / "changelog" / "index.html").is_file()


# ----------------------------------------------------------------------------- the CLI reference


def test_cli_reference_covers_every_command() -> None:
    hook = cli_hook()
    assert hook.MARKER in (DOCS / "reference" / "cli.md").read_text()
    parsers = hook.commands()
    from nesscan.cli import COMMANDS

    assert {p[0] for p in parsers if p} == set(COMMANDS)
    page = hook.render()
    for path, parser in parsers.items():
        assert f"`{' '.join(('nesscan', *path))}`" in page
        assert parser.description, f"nesscan {' '.join(path)} has no description for the reference"
        for action in parser._actions:
            if action.option_strings and action.help != argparse.SUPPRESS and not isinstance(action, argparse._HelpAction):
                assert action.help, f"nesscan {' '.join(path)} {action.option_strings[0]} has no help text"
                assert action.option_strings[-1] in page


def test_every_environment_variable_is_documented() -> None:
    read = set()
    for path in (ROOT / "src" / "nesscan").rglob("*.py"):
        read |= set(re.findall(r"\bNESSCAN_[A-Z_]+\b", path.read_text()))
    table = (DOCS / "reference" / "cli.md").read_text()
    documented = set(re.findall(r"^\| `(NESSCAN_[A-Z_]+)`", table, re.M))
    assert read == documented




# ----------------------------------------------------------------------------- output columns


def documented_tables() -> dict[str, list[str]]:
    """``<!-- columns: NAME -->`` -> the column names of the table under it (backticked names in
    its first cell; rows without one, such as "(the candidates file's columns)", are skipped)."""
    out: dict[str, list[str]] = {}
    for page in (DOCS / "reference" / "outputs.md", DOCS / "reference" / "json-api.md"):
        lines = page.read_text().splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^<!--\s*columns:\s*(\S+)\s*-->$", line.strip())
            if not m:
                continue
            assert m.group(1) not in out, f"{page.name}: two tables marked {m.group(1)}"
            names: list[str] = []
            for row in lines[i + 3:]:  # the header and its rule come first
                if not row.startswith("|"):
                    break
                first = row.split("|")[1]
                names += re.findall(r"`([^`]+)`", first)
            out[m.group(1)] = names
    return out


def _columns_of_source(path: Path, pattern: str) -> list[str]:
    """A column list written inline in the code (the first match of ``pattern``, a Python list or tuple)."""
    import ast

    m = re.search(pattern, path.read_text(), re.S)
    assert m, f"{path}: {pattern!r} not found (the code changed: update tests/test_docs.py)"
    return list(ast.literal_eval(m.group(1)))


def code_columns() -> dict[str, list[str]]:
    """The columns of each table as the code declares them, without running anything heavy."""
    import pandas as pd

    from nesscan.design.dead import DESIGN_COLUMNS
    from nesscan.design.scan import COLUMNS as IMPORTANCE
    from nesscan.fetch.nes_annotations import COLUMNS as NES_ANNOTATIONS
    from nesscan.model.known import COLUMNS as KNOWN
    from nesscan.model.store import default_model_dir
    from nesscan.design.importance import COLUMNS as SCREEN_IMPORTANCE
    from nesscan.screen.few_proteins import CANDIDATE_COLUMNS
    from nesscan.structure.table import COLUMNS as STRUCTURE
    from nesscan.validate.cargo import SCORES
    from nesscan.validate.protein_classes import COLUMNS as PROTEIN_CLASSES
    from nesscan.variants.effects import VARIANT_COLUMNS
    from nesscan.web.predict import residues_frame

    shipped = default_model_dir()
    src = ROOT / "src" / "nesscan"
    cargo_ids = _columns_of_source(src / "validate" / "cargo.py", r"keep = \[c for c in (\(.*?\))")
    return {
        "predict.csv": list(CANDIDATE_COLUMNS),
        "variants.csv": list(VARIANT_COLUMNS),
        "structure.csv": list(STRUCTURE),
        "nes-annotations.tsv": list(NES_ANNOTATIONS),
        "protein_classes.tsv": list(PROTEIN_CLASSES),
        "known_nes.tsv": list(pd.read_csv(shipped / "known_nes.tsv", sep="\t", nrows=0).columns),
        "examples.tsv": list(pd.read_csv(shipped / "examples.tsv", sep="\t", nrows=0).columns),
        "residues.csv": list(residues_frame([]).columns),
        "split.tsv": _columns_of_source(src / "pipeline.py", r'"split\.tsv", table\.drop_duplicates\("accession"\)'
                                                              r'\[(\[.*?\])\]'),
        "cargo_predictions.tsv": [*cargo_ids, "fold", *SCORES],
        "design.csv": list(DESIGN_COLUMNS),
        "importance.csv": list(IMPORTANCE),
        "screen/importance.csv": list(SCREEN_IMPORTANCE),
    }


#: marked tables checked only against real output (test_output_columns_are_what_a_screen_writes)
WRITTEN_ONLY = ("windows.parquet", "candidates.csv", "proteins.csv", "predict.json")


def _same_columns(name: str, documented: list[str], written: list[str]) -> list[str]:
    problems = []
    if len(documented) != len(set(documented)):
        problems.append(f"{name}: a column documented twice")
    if missing := [c for c in written if c not in documented]:
        problems.append(f"{name}: written but not documented: {missing}")
    if extra := [c for c in documented if c not in written]:
        problems.append(f"{name}: documented but not written: {extra}")
    return problems


def test_output_tables_match_the_columns_the_code_declares() -> None:
    tables, code = documented_tables(), code_columns()
    assert sorted(tables) == sorted([*code, *WRITTEN_ONLY]), "a marked table of outputs.md is checked nowhere"
    problems = []
    for name, columns in code.items():
        problems += _same_columns(name, tables[name], columns)
    assert problems == []


def test_json_api_lists_every_api_route() -> None:
    routes = set(re.findall(r'Route\("(/api/[^"]+)"', (ROOT / "src" / "nesscan" / "web" / "app.py").read_text()))
    routes = {re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", r) for r in routes}
    text = (DOCS / "reference" / "json-api.md").read_text()
    documented = set(re.findall(r"^\| `(?:GET|POST) (/api/[^`]+)`", text, re.M))
    assert routes == documented


def test_json_api_limits_are_the_code_limits() -> None:
    from nesscan.web import predict
    from nesscan.web.app import MAX_BODY_BYTES

    text = " ".join((DOCS / "reference" / "json-api.md").read_text().split())
    assert f"At most {predict.MAX_RECORDS:,} records" in text
    assert f"{predict.MAX_SEQUENCE_LENGTH:,} residues per protein" in text
    assert f"{predict.MAX_TOTAL_RESIDUES:,} residues in all" in text
    assert f"{MAX_BODY_BYTES // 1_000_000} MB request body" in text


@pytest.fixture(scope="session")
def docs_data(tiny_cargo_data: Path, tmp_path_factory) -> Path:
    """The data folder of the docs' code blocks (``NESSCAN_DATA``; tests/docs_data.py)."""
    from docs_data import make_docs_data

    real = Path(os.environ.get("NESSCAN_DATA") or ROOT.parent / "shared" / "data")
    return make_docs_data(tiny_cargo_data, tmp_path_factory.mktemp("docs_data") / "data", real)


@pytest.mark.slow
def test_output_columns_are_what_a_screen_writes(docs_data: Path, tmp_path: Path, capsys) -> None:
    """A screen, its structure.csv and a prediction with the shipped model, as a user runs them:
    every column written is documented, every column documented is written."""
    import pandas as pd
    import pyarrow.parquet as pq

    from nesscan.cli import main
    from nesscan.structure.table import COLUMNS as STRUCTURE

    tables = documented_tables()
    fasta = docs_data / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz"
    out = tmp_path / "yeast"
    assert main(["screen", str(fasta), "-o", str(out), "--workers", "1"]) == 0
    assert main(["structure", str(out / "candidates.csv"), "--structures", str(docs_data / "structures")]) == 0
    human = docs_data / "proteomes" / "human_swissprot_assembled.fasta.gz"
    assert main(["predict", "P61925", "--proteome", str(human), "--format", "csv", "-o", str(tmp_path / "p.csv")]) == 0
    assert main(["predict", "P61925", "--proteome", str(human), "--format", "json",
                 "-o", str(tmp_path / "p.json")]) == 0
    capsys.readouterr()

    candidates = list(pd.read_csv(out / "candidates.csv", nrows=0).columns)
    assert list(pd.read_csv(out / "importance.csv", nrows=0).columns) == tables["screen/importance.csv"]
    structure = list(pd.read_csv(out / "structure.csv", nrows=0).columns)
    assert structure == candidates + list(STRUCTURE)
    protein = json.loads((tmp_path / "p.json").read_text())["proteins"][0]
    assert protein["candidates"], "PKI-alpha has a candidate: the JSON's candidate rows are checked"
    written = {
        "windows.parquet": pq.read_schema(out / "windows.parquet").names,
        "candidates.csv": candidates,
        "proteins.csv": list(pd.read_csv(out / "proteins.csv", nrows=0).columns),
        "structure.csv": structure[len(candidates):],
        "predict.csv": list(pd.read_csv(tmp_path / "p.csv", nrows=0).columns),
        "predict.json": list(protein),
    }
    problems = []
    for name, columns in written.items():
        problems += _same_columns(name, tables[name], columns)
    assert list(protein["candidates"][0]) == written["predict.csv"]
    assert problems == []


# ----------------------------------------------------------------------------- the code blocks


def test_not_run_markers_have_a_reason_and_blocks_name_their_language() -> None:
    problems = []
    for page in [*doc_pages(), ROOT / "README.md"]:
        name = page.relative_to(ROOT)
        text = page.read_text()
        blocks = fenced_blocks(text)
        attached = {b.marker for b in blocks if b.marker}
        for n, line in enumerate(prose(text).splitlines(), 1):  # a marker shown inside a block is an example
            if re.search(r"<!--\s*not[ -]run", line, re.I):
                m = NOT_RUN.match(line)
                if not m or not m.group(1):
                    problems.append(f"{name}:{n}: write <!-- not run: REASON --> (with a reason) on its own line")
                elif line.strip() not in attached:
                    problems.append(f"{name}:{n}: a not-run marker with no code block under it")
        if page not in RUN_PAGES:
            continue
        for k, block in enumerate(blocks, 1):
            where = f"{name}:{block.line} (block {k})"
            if not block.lang:
                problems.append(f"{where}: name the block's language (bash/python to run it, text/console "
                                f"for output)")
            elif block.lang in REFUSED_LANGS:
                problems.append(f"{where}: ```{block.lang} is neither run nor output: say bash/python or "
                                f"text/console")
            elif block.marker and NOT_RUN.match(block.marker) and block.lang not in RUN_LANGS:
                problems.append(f"{where}: a not-run marker on a ```{block.lang} block, which is never run")
    assert problems == []


def runnable_blocks(page: Path) -> list[tuple[int, Block, str | None]]:
    """The page's bash/python blocks in order: (number among the page's blocks, block, the
    reason it is not run or None)."""
    out = []
    for k, block in enumerate(fenced_blocks(page.read_text()), 1):
        if block.lang not in RUN_LANGS:
            continue
        m = NOT_RUN.match(block.marker or "")
        out.append((k, block, m.group(1) if m and m.group(1) else None))
    return out


def block_env(data: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NESSCAN_")}
    env.update(PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
               NESSCAN_DATA=str(data), NESSCAN_CACHE=str(cache), MPLBACKEND="Agg",
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    return env


@pytest.mark.slow
@pytest.mark.parametrize("page", RUN_PAGES, ids=[p.relative_to(DOCS).as_posix() for p in RUN_PAGES])
def test_code_blocks_run(page: Path, docs_data: Path, tmp_path: Path) -> None:
    work, scripts, cache = tmp_path / "work", tmp_path / "blocks", tmp_path / "cache"
    for d in (work, scripts, cache):
        d.mkdir()
    env = block_env(docs_data, cache)
    name = page.relative_to(ROOT)
    for k, block, skip in runnable_blocks(page):
        if skip:
            continue
        script = scripts / f"block{k:02d}.{'sh' if block.lang == 'bash' else 'py'}"
        script.write_text(block.code)
        cmd = ["bash", "-euo", "pipefail", str(script)] if block.lang == "bash" else [sys.executable, str(script)]
        try:
            r = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name}, block {k} (line {block.line}) ran over {BLOCK_TIMEOUT} s on the docs data:\n"
                        f"{block.code}\nmake it lighter or mark it <!-- not run: REASON -->")
        if r.returncode != 0:
            pytest.fail(f"{name}, block {k} (line {block.line}) exited {r.returncode}:\n{block.code}\n"
                        f"--- stderr ---\n{r.stderr[-4000:]}\n--- stdout ---\n{r.stdout[-2000:]}")


def test_block_reader_follows_the_convention() -> None:
    text = ("# Page\n\n```bash\nnesscan --version\n```\n\n<!-- not run: downloads -->\n\n```bash\n"
            "nesscan fetch esm2 esm2_t6_8M_UR50D\n```\n\n```text\noutput\n```\n\n"
            "1. a list\n\n    ```python\n    print(1)\n    ```\n")
    blocks = fenced_blocks(text)
    assert [(b.lang, b.line) for b in blocks] == [("bash", 3), ("bash", 9), ("text", 13), ("python", 19)]
    assert blocks[3].code == "print(1)\n"
    assert NOT_RUN.match(blocks[1].marker).group(1) == "downloads" and blocks[0].marker is None


# ----------------------------------------------------------------------------- figures and citation


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0], f"{path}: corrupt IHDR"
    assert data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND", f"{path}: truncated"
    return width, height


@pytest.mark.slow
def test_docs_figures_script_makes_its_pngs(docs_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "assets"
    env = block_env(docs_data, tmp_path / "cache")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs_figures.py"), "-o", str(out),
                        "--data", str(docs_data)], env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    made = sorted(p.name for p in out.glob("*.png"))
    committed = sorted(p.name for p in (DOCS / "assets").glob("*.png"))
    assert made == committed and made, (made, committed)
    for png in out.glob("*.png"):
        width, height = _png_size(png)
        assert width >= 300 and height >= 200, png


def test_committed_figures_are_small_valid_pngs() -> None:
    for png in (DOCS / "assets").glob("*.png"):
        _png_size(png)
        assert png.stat().st_size < 300_000, f"{png.name} is over 300 KB"


def test_citation_cff_is_valid() -> None:
    """The keys CFF 1.2.0 requires, for the file and each reference (the full schema was checked once
    with jsonschema and the schema shipped in cffconvert 2.0.0; cffconvert itself pins jsonschema < 4)."""
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license", "type"):
        assert cff.get(key), key
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert str(cff["version"]) == version
    assert cff["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])
    refs = cff["references"]
    for ref in refs:
        for key in ("type", "title", "authors"):
            assert ref.get(key), (ref.get("title"), key)
        assert str(ref.get("doi", "10.")).startswith("10."), ref["title"]
    titles = " ".join(r["title"] for r in refs)
    for needed in ("NESdb", "CRM1-mediated nuclear export", "Evolutionary-scale", "Metapredict",
                   "AlphaFold Protein Structure Database", "MMseqs2"):
        assert needed in titles, needed


def _gunzip_ok(path: Path) -> bool:
    with gzip.open(path) as fh:
        return bool(fh.read(1))


def test_docs_data_has_the_layout_of_the_real_data(docs_data: Path) -> None:
    for rel in ("proteomes/UP000002311-S.cerevisiae.fasta.gz", "proteomes/UP000000625-E.coli.fasta.gz",
                "proteomes/human_swissprot_assembled.fasta.gz", "nesdb/NesDB_all_CRM1_with_peptides.csv",
                "negatives/mitochondrial_proteins.csv", "cargo/elife-11466-supp2-v4.xlsx"):
        assert (docs_data / rel).is_file(), rel
    assert (docs_data / "localisation" / "multiloc" / "nuclear.fasta").is_file()
    assert (docs_data / "structures").is_dir() and not (docs_data / "proteomes" / "tiny.fasta").exists()
    assert _gunzip_ok(docs_data / "proteomes" / "UP000002311-S.cerevisiae.fasta.gz")
