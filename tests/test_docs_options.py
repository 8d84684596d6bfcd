"""Every ``nesscan CMD --option`` written in the docs and the README exists in that command's
parser, and every bare ``--option`` in inline code in some parser (or a bench script's)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from doc_markdown import ROOT, cli_hook, doc_pages, every_option, fenced_blocks, inline_code


# ----------------------------------------------------------------------------- commands and options


def _shell_words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote (a placeholder); good enough to find the options
        return line.split("#")[0].split()


def nesscan_invocations(code: str) -> list[list[str]]:
    """The words after ``nesscan`` of every command of a shell snippet (pipes, ``&&``, ``;`` and
    continuation lines followed; ``$ `` prompts, ``VAR=value`` prefixes, ``.venv/bin/`` and
    ``python -m nesscan`` understood)."""
    out = []
    for line in code.replace("\\\n", " ").splitlines():
        line = re.sub(r"^\s*\$\s+", "", line)
        segment: list[str] = []
        for word in [*_shell_words(line), ";"]:
            if word and set(word) <= set("|&;<>()"):
                while segment and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", segment[0]) or segment[:1] in (["time"],
                                                                                                          ["sudo"]):
                    segment = segment[1:]
                if segment and segment[0].rsplit("/", 1)[-1] == "nesscan":
                    out.append(segment[1:])
                elif segment[:3] and segment[1:3] == ["-m", "nesscan"] and "python" in segment[0]:
                    out.append(segment[3:])
                segment = []
            else:
                segment.append(word)
    return out


def _is_placeholder(word: str) -> bool:
    return word in ("...", "…") or bool(re.fullmatch(r"[A-Z][A-Z_]*", word))


def _option_word(word: str) -> str | None:
    """The option a word of a command names (``[--fasta`` -> ``--fasta``, ``--format=csv`` ->
    ``--format``); None for other words and for placeholders such as ``--OPTION``."""
    word = word.strip("[](){}|,.;:")
    if not re.match(r"^--?[A-Za-z]", word):
        return None
    option = word.split("=", 1)[0]
    return None if re.fullmatch(r"--?[A-Z][A-Z_-]*", option) else option


def script_options() -> set[str]:
    """Options of the project's own scripts (bench/, scripts/), which pages may name too."""
    out = set()
    for folder in ("bench", "scripts"):
        for path in (ROOT / folder).glob("*.py"):
            out |= set(re.findall(r'add_argument\(\s*(?:"-\w",\s*)?"(--[\w-]+)"', path.read_text()))
    return out


def check_invocation(words: list[str], parsers: dict) -> list[str]:
    """What is wrong with ``nesscan WORDS`` (an unknown command or option), as messages."""
    problems, path, i = [], (), 0
    if words and words[0].endswith(":"):
        return []  # a message ("nesscan fetch: error: ..."), not a command
    every = every_option()
    while i < len(words) and words[i].startswith("-"):
        i += 1  # options of nesscan itself (--version, --help)
    known = True
    if i < len(words) and not words[i].startswith("-"):
        word = words[i]
        if (word,) in parsers:
            path, i = (word,), i + 1
            sub = words[i] if i < len(words) else None
            if sub and (word, sub) in parsers:
                path, i = (word, sub), i + 1
            elif sub and any(len(p) == 2 and p[0] == word for p in parsers) and not sub.startswith("-") \
                    and not _is_placeholder(sub):
                problems.append(f"nesscan {word} {sub}: no such command")
        elif _is_placeholder(word):
            known = False
        else:
            return [f"nesscan {word}: no such command"]
    allowed = set()
    for k in range(len(path) + 1):
        allowed |= cli_hook().option_strings(parsers[path[:k]])
    for word in words[i:]:
        option = _option_word(word)
        if option is None or re.fullmatch(r"-\d.*", option):
            continue
        if option not in (allowed if known else every):
            problems.append(f"{' '.join(('nesscan', *path))}: no option {option}")
    return problems


def _documents() -> list[Path]:
    return [*doc_pages(), ROOT / "README.md"]


def test_every_command_and_option_in_the_docs_exists() -> None:
    parsers = cli_hook().commands()
    every = every_option() | script_options()
    problems = []
    for page in _documents():
        text = page.read_text()
        name = page.relative_to(ROOT)
        for block in fenced_blocks(text):
            if block.lang in ("", "bash", "console", "sh", "shell"):
                for words in nesscan_invocations(block.code):
                    problems += [f"{name}:{block.line}: {p}" for p in check_invocation(words, parsers)]
        for code, line in inline_code(text):
            if code.startswith("nesscan ") or code.startswith("$ nesscan "):
                for words in nesscan_invocations(code):
                    problems += [f"{name}:{line}: {p}" for p in check_invocation(words, parsers)]
            elif re.match(r"^--[A-Za-z][\w-]*", code):
                option = _option_word(re.split(r"[\s=]", code, maxsplit=1)[0])
                if option and option not in every:
                    problems.append(f"{name}:{line}: no nesscan command (nor script) has the option {option}")
    assert problems == []


def test_the_option_checker_finds_mistakes() -> None:
    parsers = cli_hook().commands()
    assert nesscan_invocations('nesscan screen "$NESSCAN_DATA/x.fasta.gz" -o yeast/ --workers 2  # --nope\n') \
        == [["screen", "$NESSCAN_DATA/x.fasta.gz", "-o", "yeast/", "--workers", "2"]]
    assert nesscan_invocations("cat p.fasta | OMP_NUM_THREADS=1 .venv/bin/nesscan predict - \\\n  --format json") \
        == [["predict", "-", "--format", "json"]]
    assert check_invocation(["screen", "x", "--workers", "2"], parsers) == []
    assert check_invocation(["screen", "x", "--wokers", "2"], parsers) == ["nesscan screen: no option --wokers"]
    assert check_invocation(["predict", "--decoy-fraction", "0"], parsers) == [
        "nesscan predict: no option --decoy-fraction"]
    assert check_invocation(["fetch", "proteome", "UP1", "--page-size", "10"], parsers) == []
    assert check_invocation(["fetch", "esm2", "x", "--page-size", "10"], parsers) == [
        "nesscan fetch esm2: no option --page-size"]
    assert check_invocation(["screan", "x"], parsers) == ["nesscan screan: no such command"]
    assert check_invocation(["COMMAND", "--help"], parsers) == []
    assert check_invocation(["serve", "--screen", "d"], parsers) == []  # a hidden, deprecated alias still exists
    assert check_invocation(["structure", "c.csv", "[--fasta", "FASTA]", "[-o", "OUT.csv]"], parsers) == []
    assert check_invocation(["COMMAND", "--OPTION"], parsers) == []
    assert check_invocation(["fetch:", "error:", "--nope"], parsers) == []  # a message
    assert "--time-limit" in script_options()  # bench/web_load.py
