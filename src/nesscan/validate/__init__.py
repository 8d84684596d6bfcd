"""How good is a model: held-out evaluation, cross-validation, site localisation and the
protein level, each beside the trivial baselines (:mod:`~nesscan.validate.baselines`)."""
