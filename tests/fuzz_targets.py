"""Fuzz targets shared by ``tests/test_fuzz.py`` (a fixed-seed budget) and ``bench/fuzz.py``
(a longer campaign): for each reader, a Hypothesis strategy of hostile inputs and a check.

The invariant every check asserts: the reader returns, or raises
:class:`~nesscan.errors.NesscanError` (one line for the user); never another exception,
never HTTP 500; and a failing CLI command prints one error line naming the file and leaves an
earlier output file byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

from nesscan.errors import NesscanError

AMINO = "ACDEFGHIKLMNPQRSTVWYXBZUOacdefghiklmnpqrstvwy"
_WORK = Path(tempfile.mkdtemp(prefix="nesscan-fuzz-"))


def workdir(name: str) -> Path:
    path = _WORK / name
    path.mkdir(exist_ok=True)
    return path


# ----------------------------------------------------------------------------- byte-level helpers

_tricky_text = st.sampled_from([
    "", " ", ">", ">>", "\ufeff", "\ufeff>P1", "\x00", "\r", "\t", "*", "**", "|", "||", "gi|", ">gi|",
    ">gi|1|", ">gi||sp|", ">sp|", ">sp||", ">tr|P1", ">gi|5|sp|P1.2|A_B x [Org]", "[", "]", "é", "\u2028",
    "\x85", "OS=", "GN=", ">sp|P1|A_HUMAN OS=", "RecName: Full=", "\\", "\"", "'",
])


def _encode(text: str, how: str) -> bytes:
    if how == "utf-8":
        return text.encode("utf-8")
    if how == "utf-16":
        return text.encode("utf-16")
    return text.encode("latin-1", errors="replace")


@st.composite
def file_bytes(draw, text: st.SearchStrategy[str]) -> bytes:
    """Text drawn from ``text`` as bytes: UTF-8 (sometimes with a BOM), latin-1 or UTF-16,
    sometimes gzipped (sometimes truncated), sometimes raw binary."""
    kind = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "latin-1", "utf-16", "binary"]))
    if kind == "binary":
        data = draw(st.binary(max_size=300))
    else:
        body = draw(text)
        data = (b"\xef\xbb\xbf" if kind == "bom" else b"") + _encode(body, "utf-8" if kind == "bom" else kind)
    wrap = draw(st.sampled_from(["plain", "plain", "gzip", "gzip-cut", "gzip-flip"]))
    if wrap.startswith("gzip"):
        data = gzip.compress(data, mtime=0)
        if wrap == "gzip-cut":
            data = data[: draw(st.integers(0, len(data)))]
        elif wrap == "gzip-flip" and len(data) > 10:
            i = draw(st.integers(10, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
    return data


# ----------------------------------------------------------------------------- FASTA

_fasta_line = st.one_of(
    st.builds(lambda h: ">" + h, st.text(max_size=40)),
    st.builds(lambda acc, rest: f">sp|{acc}|{rest}", st.text("ABCP0123456789_|", max_size=10), st.text(max_size=30)),
    st.builds(lambda rest: f">gi|{rest}", st.text("0123456789|sprefgbX. ", max_size=30)),
    st.text(AMINO + "*-. \t", max_size=60),
    _tricky_text,
    st.text(max_size=20),
)
fasta_files = file_bytes(st.lists(_fasta_line, max_size=12).map("\n".join))


def check_fasta(data: bytes) -> None:
    from nesscan.io.fasta import AMINO_ACIDS, read_fasta

    path = workdir("fasta") / "input.fa"
    path.write_bytes(data)
    try:
        proteins = read_fasta(path)
    except NesscanError as err:
        _one_line(err, path)
        return
    assert proteins, "read_fasta returned no protein without an error"
    for p in proteins:
        assert p.accession and p.sequence and set(p.sequence) <= set(AMINO_ACIDS), p
    assert len({p.accession for p in proteins}) == len(proteins)


def _one_line(err: NesscanError, path: Path | None = None) -> None:
    text = str(err)
    assert text and "\n" not in text.strip(), f"not one line: {text!r}"
    if path is not None:
        assert str(path) in text or path.name in text, f"the file is not named: {text!r}"


# ----------------------------------------------------------------------------- CSV tables

_range_text = st.one_of(
    st.builds(repr, st.lists(st.tuples(st.integers(-5, 80), st.integers(-5, 80)), max_size=3)),
    st.sampled_from(["[(1, 22)]", "[(30, 51)]", "[]", "()", "[(1,)]", "[(1, 2, 3)]", "[(True, 3)]",
                     "[(1.5, 3)]", "[('1', '3')]", "[" * 400 + "]" * 400, "[(1, 1e400)]", "[(1, 2)]]",
                     "{(1, 2)}", "[(1, 2)" + ", (1, 2)" * 50 + "]", "(1, 2)", "[(10**9, 1)]", "[(-1, 2)]",
                     "[(0x10, 0o20)]", "[(1_0, 20)]", "None", "__import__('os')"]),
    st.text(max_size=20),
)
_seq_cell = st.one_of(st.text(AMINO + "* \n", max_size=80), _tricky_text, st.text(max_size=10))
_bool_cell = st.sampled_from(["True", "False", "true", "0", "1", "", "yes", "TRUE", " False ", "nan"])


@st.composite
def _csv_text(draw, columns: dict[str, st.SearchStrategy[str]], optional: tuple[str, ...] = ()) -> str:
    names = [c for c in columns if draw(st.integers(0, 19)) > 0]  # a column is sometimes missing
    names += [c for c in optional if draw(st.booleans())]
    names = draw(st.permutations(names)) if names else names
    if draw(st.integers(0, 9)) == 0:
        names = names + [draw(st.text(max_size=8))]
    rows = draw(st.lists(st.fixed_dictionaries({n: columns.get(n, st.text(max_size=15)) for n in names}),
                         max_size=5))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    for row in rows:
        cells = [row[n] for n in names]
        cut = draw(st.integers(0, 9))
        if cut == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]  # short row
        elif cut == 1:
            cells = cells + [draw(st.text(max_size=10))]  # long row
        writer.writerow(cells)
    text = out.getvalue()
    if draw(st.integers(0, 9)) == 0:  # raw damage: a stray quote, NUL, or a cut
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(['"', "\x00", "\r", "", "\n\n"])) + text[i:]
    return text


_nesdb_columns = {
    "ID": st.one_of(st.text(max_size=8), st.just("5")),
    "Fasta Header": st.one_of(_fasta_line, st.just(">sp|P61925|IPKA_HUMAN PKI GN=PKIA")),
    "Sequence": _seq_cell,
    "Merged ranges": _range_text,
    "is_NesDB_doubt": _bool_cell,
}
nesdb_files = file_bytes(_csv_text(_nesdb_columns, ("Organism", "Experimental Evidence for CRM1-mediated Export")))

_mito_columns = {
    "protein_id": st.one_of(st.text("ABCPQ0123456789", max_size=8), _tricky_text),
    "description": st.one_of(_fasta_line, st.text(max_size=20)),
    "sequence": _seq_cell,
}
mito_files = file_bytes(_csv_text(_mito_columns))


def check_nesdb(data: bytes) -> None:
    from nesscan.io import nes_ranges_by_accession, nesdb_proteins, read_nesdb

    path = workdir("nesdb") / "nesdb.csv"
    path.write_bytes(data)
    try:
        annotations = read_nesdb(path)
    except NesscanError as err:
        _one_line(err, path)
        return
    for ann in annotations:
        for start, end in ann.ranges_1b:
            assert 1 <= start <= end <= len(ann.protein.sequence)
    nesdb_proteins(annotations)
    nes_ranges_by_accession(annotations)


def check_mito(data: bytes) -> None:
    from nesscan.io import read_mito

    path = workdir("mito") / "mito.csv"
    path.write_bytes(data)
    try:
        proteins = read_mito(path)
    except NesscanError as err:
        _one_line(err, path)
        return
    assert len({p.accession for p in proteins}) == len(proteins)


# ----------------------------------------------------------------------------- structure models


@functools.lru_cache(maxsize=None)
def model_texts() -> dict[str, str]:
    """A small synthetic AlphaFold-like model (6 residues, terminal OXT) as PDB and mmCIF text."""
    import biotite.structure as struc
    import numpy as np
    from biotite.structure.io.pdb import PDBFile
    from biotite.structure.io.pdbx import CIFFile, set_structure

    names = ["MET", "LEU", "ALA", "GLY", "LYS", "LEU"]
    atoms = []
    for i, res in enumerate(names):
        for j, (atom, element) in enumerate([("N", "N"), ("CA", "C"), ("C", "C"), ("O", "O"), ("CB", "C")]):
            if res == "GLY" and atom == "CB":
                continue
            a = struc.Atom(np.array([3.8 * i + 0.7 * j, 1.1 * (j % 2), 0.6 * j]), chain_id="A", res_id=i + 1,
                           res_name=res, atom_name=atom, element=element, hetero=False, b_factor=50.0 + 7 * i)
            atoms.append(a)
    atoms.append(struc.Atom(np.array([3.8 * 5 + 2.0, 1.5, 1.0]), chain_id="A", res_id=6, res_name="LEU",
                            atom_name="OXT", element="O", hetero=False, b_factor=85.0))
    array = struc.array(atoms)
    pdb = PDBFile()
    pdb.set_structure(array)
    buf = io.StringIO()
    pdb.write(buf)
    cif = CIFFile()
    set_structure(cif, array)
    cbuf = io.StringIO()
    cif.write(cbuf)
    return {"pdb": buf.getvalue().rstrip("\n") + "\nEND\n", "cif": cbuf.getvalue()}


@st.composite
def model_files(draw) -> tuple[str, bytes]:
    """``(file name, bytes)``: the synthetic model, mutated line- and character-wise."""
    fmt = draw(st.sampled_from(["pdb", "cif"]))
    lines = model_texts()[fmt].splitlines()
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["drop", "dup", "insert", "char", "cut", "column", "swap"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(st.one_of(st.text(max_size=80), _tricky_text,
                                           st.sampled_from(["END", "ENDMDL", "MODEL        2", "TER", "loop_",
                                                            "data_x", "#", "HETATM", "ATOM  "]))))
        elif op == "char" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:k] + draw(st.characters()) + lines[i][k + 1:]
        elif op == "cut":
            lines = lines[:i]
        elif op == "column" and lines[i]:
            k = draw(st.integers(0, max(0, len(lines[i]) - 8)))
            lines[i] = lines[i][:k] + draw(st.text(" -0123456789.eEnaNinf", min_size=1, max_size=8)) + lines[i][k + 8:]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    data = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.binary(max_size=200))
    suffix = ""
    if draw(st.integers(0, 4)) == 0:
        data, suffix = gzip.compress(data, mtime=0), ".gz"
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
    return f"AF-P12345-F1-model_v4.{fmt}{suffix}", data


def check_model(case: tuple[str, bytes]) -> None:
    from nesscan.structure.residues import residue_profile

    name, data = case
    folder = workdir("model")
    for old in folder.iterdir():
        old.unlink()
    path = folder / name
    path.write_bytes(data)
    try:
        profile = residue_profile(path)
    except NesscanError as err:
        _one_line(err, path)
        return
    assert len(profile.sequence) == len(profile.res_id) == len(profile.rsa) == len(profile.sse)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                     max_leaves=12)
_afdb_entry = st.one_of(_json, st.fixed_dictionaries(
    {"pdbUrl": st.one_of(_json, st.just("https://x/AF-P12345-F1-model_v4.pdb")),
     "uniprotAccession": st.one_of(st.just("P12345"), _json)}, optional={"cifUrl": _json}))
afdb_replies = st.one_of(st.lists(_afdb_entry, max_size=3).map(json.dumps), _afdb_entry.map(json.dumps),
                         st.binary(max_size=50).map(lambda b: b.decode("latin-1")))


def check_afdb_reply(body: str) -> None:
    """The AlphaFold DB prediction API's JSON, parsed by :func:`nesscan.fetch.alphafold._api_urls`."""
    import nesscan.fetch.http as download
    from nesscan.fetch import alphafold as afdb

    class Reply:
        def __init__(self, data: bytes) -> None:
            self.body = data
            self.status = 200

    saved = download.http_get
    download.http_get = lambda url, **kw: Reply(body.encode("utf-8", errors="surrogatepass"))
    try:
        urls = afdb._api_urls("http://127.0.0.1:9", "P12345")
    except NesscanError as err:
        _one_line(err)
        return
    finally:
        download.http_get = saved
    assert all(isinstance(u, str) and u for u in urls), urls


# ----------------------------------------------------------------------------- JSON API

_sequence_text = st.one_of(
    st.text(AMINO + "\n> *", max_size=120),
    st.builds(lambda h, s: f">{h}\n{s}", st.text(max_size=20), st.text(AMINO, min_size=0, max_size=90)),
    st.text(max_size=40),
    _tricky_text,
)
_predict_object = st.fixed_dictionaries(
    {"sequence": st.one_of(_sequence_text, _json)},
    optional={"threshold": st.one_of(st.floats(), st.integers(), st.text(max_size=5), st.booleans(), _json)})


@st.composite
def api_requests(draw) -> tuple[str, bytes, str]:
    """``(query string, body, content type)`` for ``POST /api/predict``."""
    body_kind = draw(st.sampled_from(["object", "object", "json", "raw"]))
    if body_kind == "object":
        body = json.dumps(draw(_predict_object), allow_nan=draw(st.booleans()) or True).encode()
    elif body_kind == "json":
        body = json.dumps(draw(_json)).encode()
    else:
        body = draw(st.one_of(st.binary(max_size=100), _sequence_text.map(lambda s: s.encode("utf-8"))))
    ctype = draw(st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                  "", "application/x-www-form-urlencoded", "multipart/form-data"]))
    query = draw(st.sampled_from(["", "format=csv", "format=json", "format=xml", "format=csv&table=residues",
                                  "format=csv&table=nope", "threshold=2", "format=%00"]))
    return query, body, ctype


@functools.lru_cache(maxsize=None)
def client():
    from starlette.testclient import TestClient

    from nesscan.web.app import create_app

    return TestClient(create_app(workers=1), raise_server_exceptions=False, base_url="http://localhost")


def check_api(case: tuple[str, bytes, str]) -> None:
    query, body, ctype = case
    headers = {"content-type": ctype} if ctype else {}
    r = client().post("/api/predict" + (f"?{query}" if query else ""), content=body, headers=headers)
    assert r.status_code != 500 and r.status_code < 600, (r.status_code, r.text[:200])
    if r.status_code >= 400:
        assert r.status_code in (400, 413, 422), r.status_code
        assert "error" in r.json(), r.text[:200]


# ----------------------------------------------------------------------------- CLI

_EARLIER = b"accession,start,end\nEARLIER,1,22\n"
_candidate_columns = {
    "accession": st.one_of(st.just("P12345"), st.text(max_size=8)),
    "start": st.one_of(st.integers(-3, 30).map(str), st.text(max_size=4)),
    "end": st.one_of(st.integers(-3, 30).map(str), st.text(max_size=4)),
    "sequence": _seq_cell,
    "score": st.one_of(st.floats(allow_nan=True).map(str), st.text(max_size=4)),
}
candidate_files = file_bytes(_csv_text(_candidate_columns, ("anchors", "nes_class")))


def check_cli_structure(data: bytes) -> None:
    """``nesscan structure CANDIDATES --structures DIR -o OUT``: OUT (from an earlier run) is kept
    unless the command succeeds; a failure is one line naming the file."""
    from nesscan.cli import main

    folder = workdir("cli_structure")
    models = folder / "models"
    models.mkdir(exist_ok=True)
    model = models / "AF-P12345-F1-model_v4.pdb"
    if not model.exists():
        model.write_text(model_texts()["pdb"])
    cands = folder / "candidates.csv"
    cands.write_bytes(data)
    out = folder / "structure.csv"
    out.write_bytes(_EARLIER)
    rc, err = _run_cli(main, ["structure", str(cands), "--structures", str(models), "-o", str(out)])
    assert rc in (0, 1), (rc, err)
    if rc == 1:
        assert out.read_bytes() == _EARLIER, "a failing command changed an earlier output file"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nesscan structure: error: "), err
        assert "candidates.csv" in lines[0], err
    assert not list(folder.glob("*.tmp"))


def check_cli_screen(data: bytes) -> None:
    """``nesscan screen FASTA -o OUT --overwrite``: the earlier screen in OUT is kept when the FASTA is bad."""
    from nesscan.cli import main

    folder = workdir("cli_screen")
    fasta = folder / "input.fa"
    fasta.write_bytes(data)
    out = folder / "out"
    out.mkdir(exist_ok=True)
    earlier = {name: f"earlier {name}\n".encode() for name in ("candidates.csv", "proteins.csv", "windows.parquet",
                                                                  "screen.json")}
    for name, content in earlier.items():
        (out / name).write_bytes(content)
    rc, err = _run_cli(main, ["screen", str(fasta), "-o", str(out), "--workers", "1", "--overwrite"])
    assert rc in (0, 1), (rc, err)
    if rc == 1:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nesscan screen: error: "), err
        assert "input.fa" in lines[0], err
        changed = [n for n, c in earlier.items() if not (out / n).is_file() or (out / n).read_bytes() != c]
        assert not changed, f"a failing screen changed earlier outputs: {changed}"


def _run_cli(main: Callable[[list[str]], int], argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, err.getvalue()


#: name -> (strategy, check, examples in the test suite's budget)
TARGETS: dict[str, tuple[st.SearchStrategy, Callable[[Any], None], int]] = {
    "fasta": (fasta_files, check_fasta, 600),
    "nesdb_csv": (nesdb_files, check_nesdb, 500),
    "mito_csv": (mito_files, check_mito, 400),
    "structure_model": (model_files(), check_model, 250),
    "afdb_api_json": (afdb_replies, check_afdb_reply, 300),
    "api_predict": (api_requests(), check_api, 300),
    "cli_structure": (candidate_files, check_cli_structure, 120),
    "cli_screen": (fasta_files, check_cli_screen, 60),
}

os.environ.setdefault("OMP_NUM_THREADS", "1")
