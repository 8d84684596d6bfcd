"""Training examples: NESdb positives and the negative sets, all exactly one window long,
split by homology cluster (:mod:`~nesscan.dataset.split`)."""
