"""The NES classifiers and the model directories that hold them.

The default is a classifier of flat window-feature rows (:mod:`nesscan.model.flat`: the
mean of an L2 logistic regression and boosted trees, hyper-parameters chosen by nested
inner cross-validation, :mod:`nesscan.model.select`); a small Transformer encoder over
per-residue vectors (:mod:`nesscan.model.classifier`, :mod:`nesscan.model.train`) is the
``--classifier transformer`` option. :mod:`nesscan.model.config` and
:mod:`nesscan.model.store` read and write a model directory.
"""

from nesscan.features.spec import FeatureSpec
from nesscan.model.config import ClassifierParams, ModelConfig
from nesscan.model.store import default_model_dir, read_model, save_model

__all__ = ["ClassifierParams", "FeatureSpec", "ModelConfig", "read_model", "save_model", "default_model_dir"]
