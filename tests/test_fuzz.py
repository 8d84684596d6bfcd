"""Property-based fuzzing of the readers, the JSON API and two CLI commands (Hypothesis).

Each target of ``fuzz_targets.TARGETS`` runs a fixed number of derandomized cases (the same
cases every run; a few thousand in all). The invariant: success, or a NesscanError of one
line naming the file; never another exception, never HTTP 500; a failing command leaves an
earlier output file as it was. ``bench/fuzz.py`` runs the same targets for longer.
Below, one regression test per bug the fuzzing found.
"""

from __future__ import annotations

import gzip

import pytest
from fuzz_targets import TARGETS, check_afdb_reply, check_cli_screen, check_cli_structure
from hypothesis import HealthCheck, given, settings


def _fuzz(name: str):
    strategy, check, examples = TARGETS[name]

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def run(case):
        check(case)

    return run


@pytest.mark.slow  # each target runs its 60-600 cases: 2-16 s a target on 2 cores
@pytest.mark.parametrize("name", list(TARGETS))
def test_fuzz(name):
    _fuzz(name)()


# ----------------------------------------------------------------------------- bugs found


def test_afdb_reply_with_a_non_string_url_is_ignored():
    """pdbUrl an object: returned as a 'URL' and downloaded (TypeError) before the fix."""
    check_afdb_reply('[{"uniprotAccession": "P12345", "pdbUrl": {"": null}}]')
    check_afdb_reply('[{"pdbUrl": 5, "cifUrl": ["x"]}]')


@pytest.mark.parametrize("csv, message", [
    (b"u", "not a candidate table: missing column(s)"),
    (b"accession,start,end,sequence,score\nP12345,x,5,MKV,0.9\n", "start is 'x'"),
    (b"accession,start,end,sequence,score\nP12345,1,,MKV,0.9\n", "end is nan"),
    (b"accession,start,end,sequence,score\nP12345,5.5,9,MKV,0.9\n", "start is 5.5"),
    (b"accession,start,end,sequence,score\nP12345,9,5,MKV,0.9\n", "start 9 is after end 5"),
    (b"accession,start,end,sequence,score\nP12345,1,5,MKV,high\n", "score is 'high'"),
    (b"accession,start,end,sequence,score,anchors\nP12345,1,5,MKV,0.9,\"3,x\"\n", "anchors is '3,x'"),
    (b"accession,start,end,sequence,score\n1,2,3,4,5\n1,2,3,4,5,6,7\n", "unreadable table (Error tokenizing"),
])
def test_structure_candidate_table_errors_are_one_line_naming_the_file(csv, message):
    """ValueError tracebacks (int('P12345'), NaN to int, anchors) and a two-line message before the fix."""
    from fuzz_targets import _run_cli, workdir

    from nesscan.cli import main

    check_cli_structure(csv)
    folder = workdir("cli_structure")
    rc, err = _run_cli(main, ["structure", str(folder / "candidates.csv"), "--structures",
                              str(folder / "models"), "-o", str(folder / "structure.csv")])
    assert rc == 1 and message in err and len(err.strip().splitlines()) == 1, err


def test_structure_accepts_whole_numbers_written_as_floats():
    from fuzz_targets import workdir

    check_cli_structure(b"accession,start,end,sequence,score\nP12345,1.0,6,MLAGKL,0.9\n")
    out = (workdir("cli_structure") / "structure.csv").read_text().splitlines()
    assert out[1].startswith("P12345,1,6,MLAGKL,0.9,")


def test_screen_of_a_corrupt_gzip_is_one_error_line():
    """zlib.error from the record count escaped as a traceback before the fix."""
    data = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03{\xbf{?\xff\xe1\x97\x10\x01\x03\x00\x00\x00"
    check_cli_screen(data)
    check_cli_screen(gzip.compress(b">P1\nMEELSQALASSFSVSQDLNSTAAPHP\n")[:-9])


def test_control_characters_of_a_record_stay_on_one_line(capsys):
    """An accession holding \\x1d (a line break to str.splitlines) split the error line before the fix."""

    check_cli_structure(b"start,sequence,score,accession,end\n,MKV,0.5,P\x1d1\x85x,3\n")
    check_cli_screen(b">P1\nMKV\n>P\x1c2\x0b\nMK1\n")
    from nesscan.cli import one_line

    assert one_line("a\nb\x1dc\u2028d") == "a\\nb\\x1dc\\u2028d"
