"""The NES classifiers and the model directories that hold them.

Every classifier keeps one contract (:mod:`nesscan.model.base`: ``predict_proba`` and
``state``). The default is a classifier of flat window-feature rows
(:mod:`nesscan.model.flat`: the mean of an L2 logistic regression and boosted trees,
hyper-parameters chosen by nested inner cross-validation, :mod:`nesscan.model.select`); a
small Transformer encoder over per-residue vectors (:mod:`nesscan.model.classifier`) is the
``--classifier transformer`` option; the protein-level model (:mod:`nesscan.model.cargo`)
is trained beside a flat one. :mod:`nesscan.model.train` has one ``nesscan train`` entry per
family; :mod:`nesscan.model.config` and :mod:`nesscan.model.store` read and write a model
directory.
"""

from nesscan.features.spec import FeatureSpec
from nesscan.model.config import ClassifierParams, ModelConfig
from nesscan.model.store import default_model_dir, read_model, save_model

__all__ = ["ClassifierParams", "FeatureSpec", "ModelConfig", "read_model", "save_model", "default_model_dir"]
