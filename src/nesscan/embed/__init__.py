"""Embedders behind one interface, looked up by name.

``get_embedder(spec)`` takes either a name (``"physchem"``) or a spec dict as
written by :meth:`Embedder.spec` (``{"name": "esm2", "model": ..., "layer": ...}``).
Heavy imports (torch, transformers, jax) happen inside each embedder module.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from nesscan.embed.base import Embedder
from nesscan.errors import NesscanError

#: name -> (module, class)
REGISTRY: dict[str, tuple[str, str]] = {
    "physchem": ("nesscan.embed.physchem", "PhyschemEmbedder"),
    "esm2": ("nesscan.embed.esm2", "Esm2Embedder"),
    "unirep": ("nesscan.embed.unirep", "UniRepEmbedder"),
}


def get_embedder(spec: str | dict[str, Any], **options: Any) -> Embedder:
    """Build an embedder from a name or a spec dict.

    Parameters
    ----------
    spec
        Registry name, or a dict with key ``"name"`` and the embedder's own
        constructor options (as returned by ``Embedder.spec()``).
    **options
        Extra constructor options; override those in ``spec``. ``cache_dir`` wraps
        the embedder in a :class:`~nesscan.embed.cache.CachedEmbedder` on that folder.

    Examples
    --------
    >>> get_embedder("physchem").dim
    45
    """
    params = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = params.pop("name")
    cache_dir = options.pop("cache_dir", None)
    params.update({k: v for k, v in options.items() if v is not None})
    if name not in REGISTRY:
        raise NesscanError(f"unknown embedder {name!r}; choose one of: {', '.join(REGISTRY)}")
    module, cls = REGISTRY[name]
    factory = getattr(importlib.import_module(module), cls)
    accepted = inspect.signature(factory).parameters
    unknown = sorted(k for k in params if k not in accepted)
    if unknown:
        raise NesscanError(f"option(s) {', '.join(unknown)} do not apply to embedder {name!r}")
    embedder = factory(**params)
    if cache_dir:
        from nesscan.embed.cache import CachedEmbedder

        return CachedEmbedder(embedder, cache_dir)
    return embedder


__all__ = ["Embedder", "get_embedder", "REGISTRY"]
