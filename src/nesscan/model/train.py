"""Training the Transformer window classifier (``--classifier transformer``): binary
cross-entropy, early stopping on validation AUC. The default flat classifiers train in
:mod:`nesscan.model.select`."""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from nesscan.model.classifier import ClassifierParams, WindowTransformer


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU kernels used here are deterministic for a given seed)."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def predict_logits(model: WindowTransformer, x: np.ndarray, batch_size: int = 2048,
                   bfloat16: bool = False) -> np.ndarray:
    """Logits for windows ``x`` of shape ``(n, window, dim)``, in evaluation mode, on the
    device of the model's parameters.

    Every batch has ``batch_size`` windows (a last, shorter one is padded with zeros,
    whose logits are dropped): the matrix libraries pick their kernel and blocking by
    the batch's shape, so a window's logit would otherwise change in the last bit with
    the number of windows scored beside it (measured: 3 of 3,959 windows, 1 float32 ulp,
    between two chunkings of one screen). With one shape, a window's logit did not
    depend on its neighbours on this machine's AVX-512 kernels; under
    ``ATEN_CPU_CAPABILITY=default`` a row's result can still depend on where it sits in its
    batch (16 of 3,959 windows moved by one float32 ulp). Windows do not interact (no
    batch statistics in evaluation mode).

    ``bfloat16``: matrix products under ``torch.autocast`` (measured with the physchem
    Transformer when it was the shipped default, on a human-shaped proteome of 10,972,922
    windows: the screen took 10.4 min
    against 13.3 in float32 on 2 cores with AVX-512 BF16, probabilities within 0.0052,
    324 of 46,025 windows above the threshold changed side)."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    batch_size = max(1, batch_size)
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bfloat16):
        for i in range(0, len(x), batch_size):
            part = np.ascontiguousarray(x[i:i + batch_size])
            n = len(part)
            if n < batch_size:
                part = np.concatenate([part, np.zeros((batch_size - n, *part.shape[1:]), part.dtype)])
            batch = torch.from_numpy(part).to(device)
            out.append(model(batch).float().cpu().numpy()[:n])
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def train_classifier(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                     params: ClassifierParams = ClassifierParams(), seed: int = 0,
                     progress: Callable[[int, int], None] | None = None
                     ) -> tuple[WindowTransformer, list[dict]]:
    """Fit a :class:`WindowTransformer`.

    Parameters
    ----------
    x_train, x_val
        Windows of per-residue vectors, float32, shape ``(n, window, dim)``.
    y_train, y_val
        Labels 0/1, shape ``(n,)``. Classes are balanced in the loss with
        ``pos_weight = n_negative / n_positive``.
    params
        Architecture and optimiser settings.
    seed
        Seeds weights, dropout and batch order: the same seed gives the same model on CPU.
    progress
        ``progress(epoch, max_epochs)`` callback.

    Returns
    -------
    model, history
        The model of the epoch with the best validation AUC, and one dict per epoch
        (``epoch``, ``loss``, ``val_auc``).
    """
    seed_everything(seed)
    model = WindowTransformer(x_train.shape[2], x_train.shape[1], params)
    flat = x_train.reshape(-1, x_train.shape[2])
    model.feature_mean.copy_(torch.from_numpy(flat.mean(0)))
    model.feature_std.copy_(torch.from_numpy(flat.std(0) + 1e-6))
    pos = max(int(y_train.sum()), 1)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(y_train) - pos) / pos))
    optim = torch.optim.AdamW(model.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train.astype(np.float32))

    best_auc, best_state, history, stale = -1.0, None, [], 0
    for epoch in range(1, params.max_epochs + 1):
        model.train()
        order = torch.randperm(len(yt), generator=generator)
        total = 0.0
        for i in range(0, len(order), params.batch_size):
            idx = order[i:i + params.batch_size]
            optim.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optim.step()
            total += float(loss.detach()) * len(idx)
        val_auc = float(roc_auc_score(y_val, predict_logits(model, x_val)))
        history.append({"epoch": epoch, "loss": total / len(yt), "val_auc": val_auc})
        if progress is not None:
            progress(epoch, params.max_epochs)
        if val_auc > best_auc:
            best_auc, best_state, stale = val_auc, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= params.patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return model, history
