"""The NES classifier: a small Transformer encoder over per-residue vectors."""

from nesscan.model.config import ClassifierParams, FeatureSpec, ModelConfig
from nesscan.model.store import default_model_dir, read_model, save_model

__all__ = ["ClassifierParams", "FeatureSpec", "ModelConfig", "read_model", "save_model", "default_model_dir"]
