"""The example window and the one row schema every example set shares.

Every example, positive or negative, is one row of the example table: ``sequence``
(str, :data:`WINDOW` residues), ``label`` (1 NES / 0 not), ``source`` (the positive or
negative set's name), ``accession`` (parent protein), ``start`` (0-based start in the
parent), ``centred`` (bool: the evaluation window of a positive; True for negatives),
``range_1b`` (str "start-end" of the NES, "" for negatives). :func:`example_row` is the
only place that builds such a row; :data:`COLUMNS` is its column order.
"""

from __future__ import annotations

WINDOW = 22
"""Example length in residues (the window a screen slides over proteins)."""
OFFSETS = 3
"""Training windows per NES, the centred one included (:func:`nesscan.dataset.positives.positive_starts`)."""
COLUMNS: tuple[str, ...] = ("sequence", "label", "source", "accession", "start", "centred", "range_1b")
"""Columns of the example table, in order."""


def example_row(sequence: str, source: str, accession: str, start: int, label: int = 0,
                centred: bool = True, range_1b: str = "") -> dict:
    """One example-table row (keys in :data:`COLUMNS` order); the defaults make a negative.

    Examples
    --------
    >>> example_row("A" * 22, "toy", "P1", 3)
    {'sequence': 'AAAAAAAAAAAAAAAAAAAAAA', 'label': 0, 'source': 'toy', 'accession': 'P1', 'start': 3, 'centred': True, 'range_1b': ''}
    """
    return dict(sequence=sequence, label=label, source=source, accession=accession, start=int(start),
                centred=centred, range_1b=range_1b)
