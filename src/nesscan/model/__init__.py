"""The NES classifier: a small Transformer encoder over per-residue vectors."""

from nesscan.model.store import NesModel, load_model, save_model, default_model_dir

__all__ = ["NesModel", "load_model", "save_model", "default_model_dir"]
