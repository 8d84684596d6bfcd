"""A small screen for the web tests: PKI-alpha and 11 seeded random proteins, some carrying
a classical NES (PKI, HIV-1 Rev, MAPKK), screened with the packaged model (a few seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: PKI-alpha (UniProt P61925): NESdb NES ID 5, residues 36-50; the packaged model calls it.
PKIA = ("P61925", "IPKA_HUMAN", "PKIA",
        "MTDVETTYADFIASGRTGRRNAIHDILVSSASGNSNELALKLAGLDINKTEGEEDAQRSSTEQSGEAQGEAAKSES")
#: Leucine-rich NESs planted into random proteins: PKI, HIV-1 Rev, MAPKK (MEK1).
MOTIFS = ("NSNELALKLAGLDIN", "LQLPPLERLTLD", "ALQKKLEELELDE")


def screen_fasta_text(n_random: int = 11, seed: int = 7) -> str:
    """FASTA of PKI-alpha and ``n_random`` random proteins (every second one with a motif)."""
    rng = np.random.default_rng(seed)
    records = [f">sp|{PKIA[0]}|{PKIA[1]} cAMP-dependent protein kinase inhibitor alpha OS=Homo sapiens "
               f"OX=9606 GN={PKIA[2]} PE=1 SV=2\n{PKIA[3]}\n"]
    for i in range(n_random):
        seq = "M" + "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), size=int(rng.integers(90, 260))))
        if i % 2 == 0:
            motif = MOTIFS[i // 2 % len(MOTIFS)]
            at = int(rng.integers(10, len(seq) - len(motif) - 10))
            seq = seq[:at] + motif + seq[at + len(motif):]
        acc = f"Q9W{i:03d}"
        records.append(f">tr|{acc}|{acc}_YEAST Test protein {i} OS=Saccharomyces cerevisiae GN=TST{i}\n{seq}\n")
    return "".join(records)


#: The physchem Transformer shipped until issue 11: the web tests' expectations (which windows
#: are called, where) were written against it, and they test the pages, not the model.
FORMER_DEFAULT = Path(__file__).parent / "models" / "physchem_transformer"


def make_screen(folder: Path, model: Path | None = FORMER_DEFAULT) -> Path:
    """Screen the test FASTA into ``folder/screen`` (with screen.json) with ``model`` (the
    former default unless given; None: the shipped one); returns that folder."""
    from nesscan.pipeline import screen

    folder.mkdir(parents=True, exist_ok=True)
    fasta = folder / "web_test.fasta"
    fasta.write_text(screen_fasta_text())
    out = folder / "screen"
    screen(fasta, out, model, decoy_fraction=0.5, seed=0)
    return out
