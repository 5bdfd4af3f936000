"""Training and evaluation: ``fit``, ``evaluate``, ``predict`` and a confusion matrix.

The loop that ``fit`` runs is written out in full once, in chapter 5; chapters 4-6 then call ``fit``.
"""

from __future__ import annotations

import time
from typing import Callable

import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from .config import epochs as scaled_epochs
from .config import get_device


def _batches(loader: DataLoader, desc: str, progress: bool):
    return tqdm(loader, desc=desc, leave=False, dynamic_ncols=True) if progress else loader


def _step_totals(logits: torch.Tensor, y: torch.Tensor, loss: torch.Tensor) -> tuple[float, int]:
    """Summed (not averaged) loss and the number of correct predictions in one batch."""
    return loss.item() * y.shape[0], (logits.argmax(dim=1) == y).sum().item()


def evaluate(model: nn.Module, loader: DataLoader, loss_fn: Callable | None = None,
             device: torch.device | str | None = None) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` over every sample in ``loader`` (chapter 4).

    Sums are taken per sample and divided by the number of samples, so a smaller last batch counts
    exactly as much as its size. Runs in ``eval()`` mode under ``torch.inference_mode()``.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    was_training = model.training
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            batch_loss, batch_correct = _step_totals(logits, y, loss_fn(logits, y))
            loss_sum, correct, n = loss_sum + batch_loss, correct + batch_correct, n + y.shape[0]
    model.train(was_training)
    if n == 0:
        raise ValueError("the loader yielded no samples")
    return loss_sum / n, correct / n


def fit(model: nn.Module, train_loader: DataLoader, val_loader: DataLoader | None = None, *,
        epochs: int = 5, optimizer: torch.optim.Optimizer | None = None, loss_fn: Callable | None = None,
        scheduler=None, device: torch.device | str | None = None, progress: bool = True,
        log: Callable[[str], None] | None = print) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs`` epochs, validating after each one (chapter 4).

    ``optimizer`` defaults to Adam(lr=1e-3) over the parameters that require gradients; ``loss_fn`` to
    cross-entropy. In quick mode (``CNN_BOOK_QUICK=1``) the number of epochs is capped at 1.
    A tqdm bar shows progress within an epoch; one plain line per epoch is passed to ``log``.

    Returns a history: ``{"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}``, one
    entry per epoch, with losses and accuracies averaged over samples (not batches).
    """
    device = torch.device(device) if device is not None else get_device()
    model.to(device)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    if optimizer is None:
        optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    n_epochs = scaled_epochs(epochs)
    history: dict[str, list[float]] = {k: [] for k in
                                       ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds")}
    for epoch in range(1, n_epochs + 1):
        start = time.perf_counter()
        model.train()
        loss_sum, correct, n = 0.0, 0, 0
        for x, y in _batches(train_loader, f"epoch {epoch}/{n_epochs}", progress):
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            batch_loss, batch_correct = _step_totals(logits.detach(), y, loss.detach())
            loss_sum, correct, n = loss_sum + batch_loss, correct + batch_correct, n + y.shape[0]
        if scheduler is not None:
            scheduler.step()
        if n == 0:
            raise ValueError("the training loader yielded no samples")
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device) if val_loader is not None else (
            float("nan"), float("nan"))
        seconds = time.perf_counter() - start
        for key, value in zip(history, (epoch, loss_sum / n, correct / n, val_loss, val_acc, seconds)):
            history[key].append(value)
        if log is not None:
            line = f"epoch {epoch}/{n_epochs}  train loss {loss_sum / n:.4f} acc {correct / n:.4f}"
            if val_loader is not None:
                line += f" | val loss {val_loss:.4f} acc {val_acc:.4f}"
            log(line + f" ({seconds:.1f} s)")
    return history


def predict(model: nn.Module, data: torch.Tensor | DataLoader, device: torch.device | str | None = None):
    """Predicted class indices (chapter 4).

    ``data`` is either a batch of inputs ``[N, C, H, W]`` (returns ``[N]`` predictions) or a ``DataLoader``
    of ``(x, y)`` pairs (returns ``(predictions, targets)``, both ``[N]``). Results are on the CPU.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            if torch.is_tensor(data):
                if data.dim() < 2:
                    raise ValueError(f"expected a batch of inputs with the batch first, got shape {list(data.shape)}")
                return model(data.to(device)).argmax(dim=1).cpu()
            preds, targets = [], []
            for x, y in data:
                preds.append(model(x.to(device)).argmax(dim=1).cpu())
                targets.append(torch.as_tensor(y).cpu())
            return torch.cat(preds), torch.cat(targets)
    finally:
        model.train(was_training)


def confusion_matrix(preds: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``[num_classes, num_classes]`` counts: row = true class, column = predicted class (chapter 4)."""
    preds, targets = torch.as_tensor(preds).long().flatten(), torch.as_tensor(targets).long().flatten()
    if preds.shape != targets.shape:
        raise ValueError(f"preds and targets differ in length: {preds.numel()} vs {targets.numel()}")
    if preds.numel() and (min(preds.min(), targets.min()) < 0 or max(preds.max(), targets.max()) >= num_classes):
        raise ValueError(f"class indices must lie in [0, {num_classes})")
    return torch.bincount(targets * num_classes + preds, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def per_class_accuracy(cm: torch.Tensor) -> torch.Tensor:
    """Accuracy of each true class from a confusion matrix (chapter 5); NaN for a class never seen."""
    cm = cm.double()
    return cm.diagonal() / cm.sum(dim=1)
