"""Tiny random-weight ESM-2 models for tests: an HF directory and its fair-esm twin.

``make_tiny_esm2`` writes a directory in the layout of the published
``facebook/esm2_*`` checkpoints (``EsmForMaskedLM`` weights under the ``esm.``
prefix, ``config.json``, ``vocab.txt`` + tokenizer files), so loading it goes
through the same code path as the real models. ``make_fair_esm_twin`` builds
``esm.model.esm2.ESM2`` (the reference implementation, package ``fair-esm``)
holding the same numbers, through an explicit key mapping.

Both sides use the ESM-2 settings that matter for inference:

* rotary position embeddings, no absolute positions, no embedding layer norm;
* token dropout on: at inference both multiply the token embeddings by
  ``(1 - 0.15 * 0.8) / (1 - fraction of <mask> tokens)``; HF only does it when
  ``config.token_dropout`` is true, fair-esm when ``ESM2(token_dropout=True)``;
* layer norm eps 1e-5 (HF ``layer_norm_eps``; fair-esm falls back to
  ``torch.nn.LayerNorm`` with its default eps when apex is absent);
* the final ``emb_layer_norm_after``.
"""

from __future__ import annotations

import math
from pathlib import Path

from nesscan.embed.esm2 import _quiet_transformers

#: The ESM-2 alphabet, in token-id order (same as fair-esm's "ESM-1b" alphabet).
ESM2_VOCAB: tuple[str, ...] = (
    "<cls>", "<pad>", "<eos>", "<unk>",
    "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y",
    "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "<null_1>", "<mask>",
)  # fmt: skip


def make_tiny_esm2(
    directory: Path, num_layers: int = 2, hidden: int = 32, heads: int = 4, seed: int = 0
) -> Path:
    """Write a small random-weight ESM-2 in Hugging Face format.

    Parameters
    ----------
    directory
        Output directory (created); its basename becomes the model's name.
    num_layers, hidden, heads
        Transformer depth, width and number of attention heads.
    seed
        Seed of the weights; the same seed gives the same bytes.

    Returns
    -------
    pathlib.Path
        ``directory``, holding ``config.json``, ``model.safetensors`` and the
        tokenizer files.
    """
    import torch
    from transformers import EsmConfig, EsmForMaskedLM, EsmTokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = EsmConfig(
        vocab_size=len(ESM2_VOCAB),
        mask_token_id=ESM2_VOCAB.index("<mask>"),
        pad_token_id=ESM2_VOCAB.index("<pad>"),
        hidden_size=hidden,
        num_hidden_layers=num_layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=1026,
        layer_norm_eps=1e-5,
        position_embedding_type="rotary",
        emb_layer_norm_before=False,
        token_dropout=True,
        tie_word_embeddings=True,
    )
    model = EsmForMaskedLM(config).eval()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lm_head.decoder" in name:
                continue  # tied to the word embeddings
            noise = torch.randn(p.shape, generator=gen)
            if "layer_norm" in name.lower():  # LayerNorm / layer_norm / emb_layer_norm_after
                p.copy_(1.0 + 0.2 * noise if name.endswith("weight") else 0.1 * noise)
            elif name.endswith("bias"):
                p.copy_(0.1 * noise)
            elif "word_embeddings" in name:
                p.copy_(noise)
                p[config.pad_token_id].zero_()
            else:
                p.copy_(noise / math.sqrt(p.shape[-1]))
    with _quiet_transformers():
        model.save_pretrained(directory)
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(ESM2_VOCAB) + "\n")
    EsmTokenizer(str(vocab)).save_pretrained(directory)
    return directory


def _fair_to_hf_key(key: str, hf_keys: set[str]) -> str:
    """Name, in the HF checkpoint, of the fair-esm parameter ``key``."""
    if key.startswith("layers."):
        _, i, rest = key.split(".", 2)
        base = f"esm.encoder.layer.{i}."
        table = {
            "self_attn.q_proj": "attention.self.query",
            "self_attn.k_proj": "attention.self.key",
            "self_attn.v_proj": "attention.self.value",
            "self_attn.out_proj": "attention.output.dense",
            "self_attn_layer_norm": "attention.LayerNorm",
            "fc1": "intermediate.dense",
            "fc2": "output.dense",
            "final_layer_norm": "LayerNorm",
        }
        if rest == "self_attn.rot_emb.inv_freq":
            name = "esm.rotary_embeddings.inv_freq"  # one buffer shared by all HF layers
        else:
            module, leaf = rest.rsplit(".", 1)
            name = base + table[module] + "." + leaf
    else:
        name = {
            "embed_tokens.weight": "esm.embeddings.word_embeddings.weight",
            "emb_layer_norm_after.weight": "esm.encoder.emb_layer_norm_after.weight",
            "emb_layer_norm_after.bias": "esm.encoder.emb_layer_norm_after.bias",
            "contact_head.regression.weight": "esm.contact_head.regression.weight",
            "contact_head.regression.bias": "esm.contact_head.regression.bias",
            "lm_head.weight": "esm.embeddings.word_embeddings.weight",  # tied
        }.get(key, key)  # lm_head.{bias,dense.*,layer_norm.*} keep their names
    if name not in hf_keys:
        raise KeyError(f"{name} (for fair-esm {key}) missing from the HF checkpoint")
    return name


def make_fair_esm_twin(hf_dir: Path):
    """Build fair-esm's ``ESM2`` with the weights of an HF ESM-2 directory.

    Parameters
    ----------
    hf_dir
        An HF ESM-2 directory such as :func:`make_tiny_esm2` writes
        (``EsmForMaskedLM`` weights).

    Returns
    -------
    tuple
        ``(model, alphabet)``: an ``esm.model.esm2.ESM2`` in eval mode and its
        ``esm.data.Alphabet``.
    """
    import json

    import esm
    from transformers import EsmForMaskedLM

    hf_dir = Path(hf_dir)
    config = json.loads((hf_dir / "config.json").read_text())
    # Read the weights through transformers, not the raw file: the names it
    # writes to disk (e.g. LayerNorm.gamma) differ from those of its modules.
    with _quiet_transformers():
        hf_model, info = EsmForMaskedLM.from_pretrained(hf_dir, output_loading_info=True)
    if info["missing_keys"] or info["mismatched_keys"]:  # would be random on load, and hide a mapping bug
        raise ValueError(f"{hf_dir}: weights missing from the checkpoint: {info}")
    hf = hf_model.state_dict()
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    vocab = (hf_dir / "vocab.txt").read_text().split()
    if config["layer_norm_eps"] != 1e-5 or config.get("emb_layer_norm_before"):
        raise ValueError("fair-esm's ESM2 needs layer_norm_eps 1e-5 and no emb_layer_norm_before")
    if vocab != list(alphabet.all_toks):
        raise ValueError("the HF vocabulary differs from fair-esm's ESM-1b/ESM-2 alphabet")
    model = esm.model.esm2.ESM2(
        num_layers=config["num_hidden_layers"],
        embed_dim=config["hidden_size"],
        attention_heads=config["num_attention_heads"],
        alphabet=alphabet,
        token_dropout=bool(config["token_dropout"]),
    )
    hf_keys = set(hf)
    state = {}
    for key, value in model.state_dict().items():
        source = _fair_to_hf_key(key, hf_keys)
        state[key] = hf[source].to(value.dtype).reshape(value.shape)
    model.load_state_dict(state, strict=True)
    return model.float().eval(), alphabet
