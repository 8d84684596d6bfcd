"""ESM-2 per-residue embeddings through Hugging Face transformers.

ESM-2 (Lin et al. 2023, Science 379:1123, doi:10.1126/science.ade2574) is read
from a directory in Hugging Face format (``config.json``, weights, ``vocab.txt``),
found by :func:`resolve_model`:

1. ``model`` is an existing directory: used as is. Its basename is the model's
   name in :meth:`Esm2Embedder.spec`.
2. ``$NESSCAN_CACHE/esm2/<name>`` (``NESSCAN_CACHE`` defaults to
   ``~/.cache/nesscan``), where ``<name>`` is the short name
   (``esm2_t33_650M_UR50D``) or the last part of a hub id.
3. The Hugging Face hub id (``facebook/<name>`` for a short name): the hub cache,
   else a download, which only works online. ``HF_HUB_OFFLINE=1`` (or
   ``TRANSFORMERS_OFFLINE=1``) forbids the download.

A spec holds a name, never a path, so a model directory trained on one machine
is reusable on another: put the weights under ``$NESSCAN_CACHE/esm2/<name>``, or
override the location with ``get_embedder(spec, model="/path/to/<name>")``.

Layers follow fair-esm's ``repr_layers`` numbering: 0 is the token embedding
(after ESM-2's token-dropout rescaling by 0.88), ``k`` the output of block ``k``,
and the last layer ``num_layers`` includes the final ``emb_layer_norm_after``.
Intermediate layers carry no final layer norm, in fair-esm and here alike.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from nesscan.embed.base import Embedder, Progress
from nesscan.errors import NesscanError

_TRUE = {"1", "on", "yes", "true"}


def cache_dir() -> Path:
    """Directory holding ESM-2 model directories: ``$NESSCAN_CACHE/esm2`` (``nesscan fetch esm2``)."""
    from nesscan.fetch import http as download

    return download.cache_dir("esm2")


def _offline() -> bool:
    flags = (os.environ.get(v, "").strip().lower() for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    if any(f in _TRUE for f in flags):
        return True
    import huggingface_hub.constants

    return bool(huggingface_hub.constants.HF_HUB_OFFLINE)


def resolve_model(model: str) -> tuple[str, str, bool]:
    """Find ESM-2 weights by directory, short name or hub id.

    Parameters
    ----------
    model
        A model directory, a short name (``"esm2_t6_8M_UR50D"``, meaning
        ``facebook/esm2_t6_8M_UR50D``) or a hub id (``"org/name"``).

    Returns
    -------
    tuple of (str, str, bool)
        ``(name, location, local)``: the name recorded in specs (directory
        basename, short name, or the hub id when not under ``facebook/``), what
        to give ``from_pretrained``, and whether it is on disk already.

    Raises
    ------
    NesscanError
        Nothing found and no way to download it (fails fast, no retries).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise NesscanError(f"{path}: not an ESM-2 model directory (no config.json)")
        return path.name, str(path), True
    if model.startswith(("/", ".", "~")) or model.count("/") > 1 or "\\" in model:  # a path, not a hub id
        raise NesscanError(f"ESM-2 model directory {model} not found")
    hub_id = model if "/" in model else f"facebook/{model}"
    short = hub_id.split("/", 1)[1]
    name = short if hub_id.startswith("facebook/") else hub_id
    cached = cache_dir() / short
    if (cached / "config.json").is_file():
        return name, str(cached), True

    from transformers import EsmConfig

    with _quiet_transformers():
        try:
            EsmConfig.from_pretrained(hub_id, local_files_only=True)
            return name, hub_id, True
        except (OSError, ValueError):
            pass
    hint = (
        f"ESM-2 weights {model!r} not found: run `nesscan fetch esm2 {model}` (downloads {hub_id} "
        f"into {cached}) or pass a local ESM-2 model directory"
    )
    if _offline():
        raise NesscanError(hint)
    from huggingface_hub import HfApi

    try:  # one quick request instead of transformers' retry loop (~25 s offline)
        HfApi().model_info(hub_id, timeout=10)
    except Exception as err:  # connection, DNS, 404, auth: all mean "not available"
        raise NesscanError(f"{hint} (hub: {type(err).__name__})") from err
    return name, hub_id, False


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' logging and progress bars (the library never prints)."""
    from transformers.utils import logging

    verbosity, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()


def chunk_starts(length: int, max_len: int, overlap: int) -> list[int]:
    """0-based start of each chunk covering a protein of ``length`` residues.

    Chunks hold ``max_len`` residues (one chunk of ``length`` if shorter) and
    start every ``max_len - overlap`` residues; the last one is moved left so it
    ends at the protein's end.

    Examples
    --------
    >>> chunk_starts(100, 40, 16)
    [0, 24, 48, 60]
    >>> chunk_starts(30, 40, 16)
    [0]
    """
    starts = [0]
    while starts[-1] + max_len < length:
        starts.append(min(starts[-1] + max_len - overlap, length - max_len))
    return starts


def chunk_owner(length: int, starts: Sequence[int], max_len: int) -> np.ndarray:
    """For each residue, the chunk in which it lies farthest from a chunk edge.

    Returns
    -------
    numpy.ndarray
        Shape ``(length,)``, int: index into ``starts``; ties go to the earlier chunk.
    """
    pos = np.arange(length)[None, :]
    begin = np.asarray(starts)[:, None]
    last = np.minimum(begin + max_len, length) - 1  # 0-based index of each chunk's last residue
    depth = np.minimum(pos - begin, last - pos)  # negative outside the chunk
    return np.argmax(depth, axis=0)


class Esm2Embedder(Embedder):
    """Per-residue ESM-2 embeddings; long proteins are embedded in overlapping chunks.

    Parameters
    ----------
    model
        Model directory, short name or hub id (see :func:`resolve_model`).
    layer
        Representation layer, fair-esm numbering: 0 = embedding, ``num_layers`` =
        last (with the final layer norm); negative counts from the end (-1 = last).
    device
        Torch device, e.g. ``"cpu"`` or ``"cuda"``.
    dtype
        ``"float32"`` (default) or ``"bfloat16"``: matrix products in bfloat16 under
        ``torch.autocast`` (layer norms and softmax stay float32). Measured with the
        8M architecture at length 400 on this project's 2-core CPU (AVX-512 BF16):
        1.6x the residues/s of float32, per-residue vectors within 0.2% (relative L2) of
        float32's (``bench/esm2_speed.py``). Like ``device``, not part of :meth:`spec`.
    compile
        Compile the network with ``torch.compile`` (inductor: fuses the element-wise
        work around the matrix products; needs a C++ compiler). Measured with the 8M
        architecture (``bench/esm2_speed.py``): at one fixed length (400) 1.2-1.5x the
        residues/s of float32, but on human proteins, whose lengths all differ, it kept
        recompiling and was 2.9x *slower*; so no command-line option offers it. Same
        numbers to float32 rounding; not part of :meth:`spec`.
    max_len
        Most residues given to the model at once (ESM-2 was trained on 1022).
    overlap
        Residues shared by consecutive chunks of a longer protein.
    batch_tokens
        Most tokens (padding and BOS/EOS included) in one forward pass.

    Examples
    --------
    >>> emb = Esm2Embedder("esm2_t6_8M_UR50D")  # doctest: +SKIP
    >>> emb.embed(["MKTAYIAKQR"])[0].shape  # doctest: +SKIP
    (10, 320)
    """

    name = "esm2"

    def __init__(
        self,
        model: str = "esm2_t6_8M_UR50D",
        layer: int = -1,
        device: str = "cpu",
        max_len: int = 1022,
        overlap: int = 256,
        batch_tokens: int = 8192,
        dtype: str = "float32",
        compile: bool = False,
    ) -> None:
        if max_len < 1 or not 0 <= overlap < max_len:
            raise NesscanError(
                f"ESM-2 needs max_len >= 1 and 0 <= overlap < max_len (got {max_len}, {overlap})"
            )
        if batch_tokens < 1:
            raise NesscanError(f"batch_tokens must be >= 1 (got {batch_tokens})")
        if dtype not in ("float32", "bfloat16"):
            raise NesscanError(f"ESM-2 dtype must be float32 or bfloat16, not {dtype!r}")
        self.dtype = dtype
        self.compile = bool(compile)
        self.model, self._location, local = resolve_model(str(model))
        from transformers import EsmConfig

        with _quiet_transformers():
            try:
                config = EsmConfig.from_pretrained(self._location, local_files_only=local)
            except (OSError, ValueError) as err:
                raise NesscanError(f"cannot read the ESM-2 config of {model}: {err}".splitlines()[0]) from err
        self._local = local
        self.num_layers: int = config.num_hidden_layers
        resolved = layer + self.num_layers + 1 if layer < 0 else layer
        if not 0 <= resolved <= self.num_layers:
            raise NesscanError(f"layer {layer} out of range: {self.model} has layers 0..{self.num_layers}")
        self.layer = resolved
        self.dim = int(config.hidden_size)
        self.device = device
        self.max_len = int(max_len)
        self.overlap = int(overlap)
        self.batch_tokens = int(batch_tokens)
        self._net: Any = None
        self._tokenizer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the loaded network: a worker process loads its own."""
        return {**self.__dict__, "_net": None, "_tokenizer": None}

    def spec(self) -> dict[str, Any]:
        """``{"name", "model", "layer", "max_len", "overlap"}``; no path, no device."""
        return {"name": self.name, "model": self.model, "layer": self.layer,
                "max_len": self.max_len, "overlap": self.overlap}  # fmt: skip

    def _load(self) -> None:
        if self._net is not None:
            return
        import torch
        from transformers import EsmModel, EsmTokenizer

        with _quiet_transformers():
            try:
                tokenizer = EsmTokenizer.from_pretrained(self._location, local_files_only=self._local)
                net = EsmModel.from_pretrained(  # sdpa: fused attention, 2.9x eager's speed on CPU
                    self._location, add_pooling_layer=False, local_files_only=self._local,
                    attn_implementation="sdpa",
                )
            except (OSError, ValueError) as err:
                raise NesscanError(f"cannot load ESM-2 {self._location}: {err}".splitlines()[0]) from err
        net = net.to(device=torch.device(self.device), dtype=torch.float32).eval()
        self._net = torch.compile(net, dynamic=True) if self.compile else net
        self._tokenizer = tokenizer

    def _forward(self, seqs: Sequence[str]) -> list[np.ndarray]:
        """Embed a batch of sequences of at most ``max_len`` residues."""
        import torch

        tok = self._tokenizer
        ids = [tok.build_inputs_with_special_tokens(tok.convert_tokens_to_ids(list(s))) for s in seqs]
        width = max(map(len, ids))
        input_ids = torch.full((len(ids), width), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = torch.tensor(x)
            mask[row, : len(x)] = 1
        device = torch.device(self.device)
        with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16,
                                                    enabled=self.dtype == "bfloat16"):
            last = self.layer == self.num_layers
            out = self._net(
                input_ids=input_ids.to(device),
                attention_mask=mask.to(device),
                output_hidden_states=not last,
            )
            # last_hidden_state carries the final layer norm in every transformers
            # version; hidden_states[-1] does only since v5, so never use it.
            rep = out.last_hidden_state if last else out.hidden_states[self.layer]
            rep = rep.float().cpu().numpy()
        return [np.ascontiguousarray(rep[row, 1 : len(s) + 1]) for row, s in enumerate(seqs)]

    def embed(self, sequences: Sequence[str], progress: Progress | None = None) -> list[np.ndarray]:
        """Embed sequences; see :meth:`nesscan.embed.base.Embedder.embed`.

        Proteins are split into chunks (:func:`chunk_starts`), chunks sorted by
        length and run in batches of at most ``batch_tokens`` tokens of chunks of one
        length (chunks under 128 residues: padded by at most 10%), and
        each residue's vector taken from the chunk where it lies deepest
        (:func:`chunk_owner`). Results come back in input order.
        """
        for i, s in enumerate(sequences):
            if not s:
                raise NesscanError(f"empty sequence (number {i + 1}) cannot be embedded")
        pieces = [  # (sequence index, chunk), chunks of one sequence in order
            (i, seq[b : b + self.max_len])
            for i, seq in enumerate(sequences)
            for b in chunk_starts(len(seq), self.max_len, self.overlap)
        ]
        order = sorted(range(len(pieces)), key=lambda p: -len(pieces[p][1]))
        left = np.bincount([i for i, _ in pieces], minlength=len(sequences))
        outputs: list[np.ndarray | None] = [None] * len(pieces)
        done, total = 0, len(sequences)
        if pieces:
            self._load()
        start = 0
        while start < len(order):
            width = len(pieces[order[start]][1]) + 2  # longest first: it sets the padding
            # no padding, hence no attention mask and the fused attention kernel (measured on
            # 30 human proteins, one thread: 27% faster than padded batches), except that
            # chunks under 128 residues share a batch with up to 10% padding
            least = 0.9 * width if width < 130 else width
            stop = start + 1
            while (stop < len(order) and (stop - start + 1) * width <= self.batch_tokens
                   and len(pieces[order[stop]][1]) + 2 >= least):
                stop += 1
            batch = order[start:stop]
            for p, vec in zip(batch, self._forward([pieces[p][1] for p in batch])):
                outputs[p] = vec
                left[pieces[p][0]] -= 1
                done += int(left[pieces[p][0]] == 0)
            start = stop
            if progress is not None:
                progress(done, total)
        result: list[np.ndarray] = []
        cursor = 0
        for seq in sequences:
            starts = chunk_starts(len(seq), self.max_len, self.overlap)
            parts = outputs[cursor : cursor + len(starts)]
            cursor += len(starts)
            if len(parts) == 1:
                result.append(parts[0])
                continue
            owner = chunk_owner(len(seq), starts, self.max_len)
            stitched = np.empty((len(seq), self.dim), dtype=np.float32)
            for c, (b, part) in enumerate(zip(starts, parts)):
                rows = np.flatnonzero(owner == c)
                stitched[rows] = part[rows - b]
            result.append(stitched)
        return result
