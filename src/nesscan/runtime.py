"""Where and how a model's numbers are computed: :class:`Runtime` (device, precision,
embedding cache, weights location), none of which changes what the model is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from nesscan.errors import NesscanError

PRECISIONS = ("float32", "bfloat16")


@dataclass(frozen=True)
class Runtime:
    """How a model's numbers are computed: one setting each, none of them part of the model.

    Attributes
    ----------
    device
        Torch device of the Transformer classifier and of an esm2 embedder (``"cpu"``,
        ``"cuda"``); None: the CPU. A flat classifier and its metapredict tracks run on
        the CPU (the device is still checked).
    precision
        ``"float32"`` or ``"bfloat16"``: matrix products of the Transformer and of an
        esm2 embedder (no effect on a flat classifier).
    cache_dir
        Folder of cached per-residue tracks and embeddings (metapredict tracks,
        language-model embedders; :mod:`nesscan.embed.cache`); None: no cache.
    weights
        Where an ESM-2 model's weights are: a local folder, or the hub name it was
        trained with; None: ``$NESSCAN_CACHE/esm2/<name>``.
    """

    device: str | None = None
    precision: str = "float32"
    cache_dir: str | None = None
    weights: str | None = None

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise NesscanError(f"precision must be float32 or bfloat16, not {self.precision!r}")

    def embedder_options(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Constructor options for the embedder of ``spec`` (before keeping those it takes)."""
        options: dict[str, Any] = {}
        if self.weights and spec.get("name") == "esm2":
            if os.path.isdir(self.weights):
                options["model"] = self.weights
            elif self.weights.removeprefix("facebook/") != spec.get("model"):
                raise NesscanError(f"this model was trained with ESM-2 weights {spec.get('model')!r}; "
                                   f"--esm-model {self.weights!r} is neither those nor a folder")
        if self.cache_dir:
            options["cache_dir"] = self.cache_dir
        if self.precision != "float32":
            options["dtype"] = self.precision
        if self.device:
            options["device"] = self.device
        return options

    def torch_device(self) -> str | None:
        """:attr:`device` if torch can use it here (None stays None), else a one-line error."""
        if not self.device:
            return None
        import torch

        try:
            dev = torch.device(self.device)
        except RuntimeError as err:
            raise NesscanError(f"unknown torch device {self.device!r}") from err
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise NesscanError(f"device {self.device!r} asked for, but torch sees no CUDA GPU here")
        return self.device
