"""Protein variants in HGVS ``p.`` notation, parsed by mavehgvs and applied to a sequence.

The notation is MAVE-HGVS (Esposito D et al. MaveDB. Genome Biol 2019;20:223,
doi:10.1186/s13059-019-1845-6; https://www.mavedb.org/docs/mavehgvs), a strict subset of HGVS
(den Dunnen JT et al. Hum Mutat 2016;37:564, doi:10.1002/humu.22981), parsed by its reference
implementation, the ``mavehgvs`` package (BSD-3-Clause): amino acids in three-letter code,
``Ter`` for a stop.

======================  =========================================  ===========================
notation                example                                    the mutant
======================  =========================================  ===========================
substitution            ``p.Leu291Ala``                            residue 291 becomes Ala
nonsense                ``p.Leu291Ter``                            the protein ends at 290
synonymous              ``p.Leu291=``                              unchanged (reference checked)
deletion                ``p.Lys10del``, ``p.Lys10_Leu12del``       residues 10-12 removed
insertion               ``p.Lys10_Leu11insAla``                    Ala between 10 and 11
deletion-insertion      ``p.Lys10delinsAlaAla``                    residue 10 becomes Ala-Ala
duplication             ``p.Lys10_Leu12dup``                       10-12 repeated after 12
frameshift              ``p.Trp288fs`` with its new tail           residues 288.. replaced
several at once         ``p.[Leu2Ala;Lys10del]``                   each applied
======================  =========================================  ===========================

A frameshift's new residues are not in its HGVS name, so they come beside it: the new tail
(the residues from the frameshift's first residue up to the new stop, ``*`` or none at the
end) or the whole mutant sequence. Substitutions may also be written in one-letter code
(``p.L291A``, ``p.L291*``, ``p.L291=``, ``p.[L42A;L45A]``: the form ``nesscan mutate --design``
writes and a biologist types), rewritten in three-letter code (:func:`three_letter`) before
mavehgvs reads them; other one-letter changes and the long frameshift form
(``p.Trp288CysfsTer12``) are not MAVE-HGVS: they are refused with a hint. A ``Ter`` inside
inserted residues ends the protein there.

Coordinates: an :class:`Edit` names reference residues 1-based inclusive (``_1b``), as
HGVS and UniProt do; an insertion between residues k and k+1 has ``start_1b = k + 1`` and
``end_1b = k`` (no residue replaced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nesscan.errors import NesscanError

#: The kinds of :attr:`Edit.kind`.
KINDS = ("substitution", "nonsense", "synonymous", "deletion", "insertion", "delins", "duplication",
         "frameshift")


class VariantError(NesscanError):
    """A variant that cannot be applied: unparsable, a reference mismatch, past the protein's
    end, a frameshift without its new residues (one line)."""


@dataclass(frozen=True)
class Edit:
    """One change of a protein: reference residues ``start_1b..end_1b`` (1-based inclusive;
    ``end_1b = start_1b - 1`` for an insertion) replaced by ``alt`` (one-letter residues).

    ``checks`` are the (1-based position, one-letter residue) pairs the variant names, which
    the reference must have (:func:`apply`). A nonsense or frameshift edit runs to the
    protein's end (``end_1b`` is None until applied to a sequence).
    """

    kind: str
    start_1b: int
    end_1b: int | None
    alt: str
    checks: tuple[tuple[int, str], ...]


def _three_to_one() -> dict[str, str]:
    from fqfa.constants import AA_CODES  # one-letter -> three-letter, "*" -> "Ter" (mavehgvs's table)

    return {three: one for one, three in AA_CODES.items()}


def _one_letter(three: str) -> str:
    """``"AlaTerGly"`` -> ``"A*G"``."""
    table = _three_to_one()
    return "".join(table[three[i:i + 3]] for i in range(0, len(three), 3))


_ONE_LETTER_SUBSTITUTION = re.compile(r"([ACDEFGHIKLMNPQRSTVWY])(\d+)([ACDEFGHIKLMNPQRSTVWY*=])")


def three_letter(text: str) -> str:
    """``text`` with its one-letter substitutions in three-letter code; anything else unchanged.

    >>> three_letter("p.L291A"), three_letter("p.[L42A;L45*]"), three_letter("p.Lys10del")
    ('p.Leu291Ala', 'p.[Leu42Ala;Leu45Ter]', 'p.Lys10del')
    """
    from fqfa.constants import AA_CODES

    m = re.fullmatch(r"p\.(\[(.+)\]|(.+))", text)
    if m is None:
        return text
    parts = (m[2] or m[3]).split(";")
    matches = [_ONE_LETTER_SUBSTITUTION.fullmatch(part) for part in parts]
    if not all(matches):
        return text
    written = [f"{AA_CODES[a]}{pos}{'=' if b == '=' else AA_CODES[b]}" for a, pos, b in (x.groups() for x in matches)]
    return f"p.[{';'.join(written)}]" if m[2] else f"p.{written[0]}"


def _hint(text: str) -> str:
    if re.search(r"fs(Ter|\*)", text):
        return ": write a frameshift as p.Trp288fs and give its new residues in the new_tail column"
    if re.fullmatch(r"p\.[(\[]?[A-Z*]\d+.*", text) and not re.match(r"p\.[(\[]?[A-Z][a-z]{2}\d", text):
        return (": write amino acids in three-letter code (p.Leu291Ala, p.Leu291Ter), as MAVE-HGVS does "
                "(one-letter code is read for substitutions only: p.L291A)")
    if text.startswith("p.(") or "?" in text:
        return ": predicted (parenthesised) and uncertain variants are not MAVE-HGVS; write the change itself"
    if not text.startswith("p."):
        return ": give a protein variant, starting with p."
    return ""


def parse(text: str) -> list[Edit]:
    """The edits of a MAVE-HGVS protein variant (several for ``p.[...;...]``), in order.

    Raises
    ------
    VariantError
        Not a MAVE-HGVS protein variant (with a hint for one-letter codes and the long
        frameshift form).

    Examples
    --------
    >>> parse("p.L291A") == parse("p.Leu291Ala")
    True
    >>> parse("p.Leu291Ala")
    [Edit(kind='substitution', start_1b=291, end_1b=291, alt='A', checks=((291, 'L'),))]
    >>> [(e.kind, e.start_1b, e.end_1b, e.alt) for e in parse("p.[Lys10_Leu11insAla;Trp288fs]")]
    [('insertion', 11, 10, 'A'), ('frameshift', 288, None, '')]
    """
    from mavehgvs import MaveHgvsParseError, Variant

    text = str(text).strip()
    try:
        variant = Variant(three_letter(text))
    except MaveHgvsParseError as exc:
        raise VariantError(f"{text!r} is not a MAVE-HGVS protein variant ({exc}){_hint(text)}") from None
    if variant.prefix != "p":
        raise VariantError(f"{text!r} is not a protein variant (p.); nesscan applies protein changes only")
    if variant.is_target_identical():
        return []
    kinds, positions, sequences = variant.variant_type, variant.positions, variant.sequence
    if not variant.is_multi_variant():
        kinds, positions, sequences = [kinds], [positions], [sequences]
    return [_edit(k, p, s) for k, p, s in zip(kinds, positions, sequences)]


def _edit(kind: str, position, sequence) -> Edit:
    table = _three_to_one()
    first, last = position if isinstance(position, tuple) else (position, position)
    checks = tuple(dict.fromkeys((p.position, table[p.amino_acid]) for p in (first, last)))
    start, end = first.position, last.position
    if kind == "sub":
        new = table[sequence[1]]
        if new == "*":
            return Edit("nonsense", start, None, "", checks)
        return Edit("substitution", start, end, new, checks)
    if kind == "equal":
        return Edit("synonymous", start, end, "", checks)
    if kind == "del":
        return Edit("deletion", start, end, "", checks)
    if kind == "ins":
        if end != start + 1:
            raise VariantError(f"an insertion goes between two adjacent residues, not {start} and {end}")
        return _stop_inside(Edit("insertion", end, start, _one_letter(sequence), checks))
    if kind == "delins":
        return _stop_inside(Edit("delins", start, end, _one_letter(sequence), checks))
    if kind == "dup":
        return Edit("duplication", end + 1, end, "", checks)  # alt: the reference residues, in apply()
    if kind == "fs":
        return Edit("frameshift", start, None, "", checks)
    raise VariantError(f"variant type {kind!r} is not supported")  # pragma: no cover


def _stop_inside(edit: Edit) -> Edit:
    """An inserted ``Ter`` ends the protein: the rest of the reference is dropped."""
    if "*" not in edit.alt:
        return edit
    return Edit(edit.kind, edit.start_1b, None, edit.alt[:edit.alt.index("*")], edit.checks)


def clean_tail(tail: str) -> str:
    """A new tail as one-letter residues: upper case, spaces dropped, a final ``*`` dropped.

    >>> clean_tail(" clav eev*")
    'CLAVEEV'
    """
    out = re.sub(r"\s+", "", str(tail)).upper()
    return out[:-1] if out.endswith("*") else out


def apply(sequence: str, edits: list[Edit], accession: str = "the protein", *, new_tail: str = "",
          mutant_sequence: str = "") -> str:
    """The mutant of ``sequence`` under ``edits`` (:func:`parse`), after checking the
    reference residues the variant names.

    Parameters
    ----------
    sequence
        The reference protein (one-letter residues).
    edits
        The variant's edits; several must not overlap.
    accession
        The protein's name, for messages.
    new_tail
        A frameshift's new residues from its first residue to the new stop.
    mutant_sequence
        The whole mutant instead (a frameshift's tail is read from it; any other variant must
        give this sequence, or it is an error).

    Raises
    ------
    VariantError
        A reference residue that does not match, a position past the end, overlapping edits,
        a frameshift without its new residues.

    Examples
    --------
    >>> apply("MKLLAE", parse("p.Lys2_Leu3insGly"))
    'MKGLLAE'
    >>> apply("MKLLAE", parse("p.Leu3fs"), new_tail="RW*")
    'MKRW'
    """
    n = len(sequence)
    for pos, aa in (c for e in edits for c in e.checks):
        if pos < 1 or pos > n:
            raise VariantError(f"residue {pos} is past the end of {accession} ({n} residues)")
        if sequence[pos - 1] != aa:
            raise VariantError(f"reference mismatch: residue {pos} of {accession} is {sequence[pos - 1]}, "
                               f"not {aa} (is the variant on another isoform?)")
    spans = []
    for e in edits:
        end = n if e.end_1b is None else e.end_1b
        alt = e.alt
        if e.kind == "duplication":
            first = min(p for p, _ in e.checks)
            alt = sequence[first - 1:e.start_1b - 1]
        elif e.kind == "synonymous":
            alt = sequence[e.start_1b - 1:end]
        elif e.kind == "frameshift":
            alt = _frameshift_tail(sequence, e.start_1b, accession, new_tail, mutant_sequence)
        spans.append((e.start_1b - 1, end, alt))
    spans.sort()
    for (s0, e0, _), (s1, _, _) in zip(spans, spans[1:]):
        if s1 < e0 or (s1 == s0 == e0):
            raise VariantError(f"the changes of this variant overlap (residue {s1 + 1})")
    out = sequence
    for start, end, alt in reversed(spans):
        out = out[:start] + alt + out[end:]
    if mutant_sequence and not any(e.kind == "frameshift" for e in edits) and clean_tail(mutant_sequence) != out:
        raise VariantError("mutant_sequence is not the reference with this variant applied")
    return out


def _frameshift_tail(sequence: str, start_1b: int, accession: str, new_tail: str, mutant_sequence: str) -> str:
    if new_tail:
        return clean_tail(new_tail)
    if mutant_sequence:
        mutant = clean_tail(mutant_sequence)
        if mutant[:start_1b - 1] != sequence[:start_1b - 1]:
            raise VariantError(f"mutant_sequence differs from {accession} before the frameshift at {start_1b}")
        return mutant[start_1b - 1:]
    raise VariantError("a frameshift needs its new residues: give new_tail (or mutant_sequence)")
