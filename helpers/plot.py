"""Figures: batch grids, learning curves, confusion matrices, kernels and feature maps.

``show_batch`` and ``plot_history`` are introduced in chapter 4, the rest where they are first used.
Every function draws on a new matplotlib figure and returns it.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import torch
from torch.utils.data import DataLoader
from torchvision.utils import make_grid


def _undo_normalize(images: torch.Tensor, mean, std) -> torch.Tensor:
    if mean is None or std is None:
        return images
    mean = torch.as_tensor(mean, dtype=images.dtype).view(1, -1, 1, 1)
    std = torch.as_tensor(std, dtype=images.dtype).view(1, -1, 1, 1)
    return images * std + mean


def show_batch(images: torch.Tensor | DataLoader, labels: Sequence | torch.Tensor | None = None,
               class_names: Sequence[str] | None = None, *, n: int = 32, nrow: int = 8,
               mean=None, std=None, colors: Sequence[str] | None = None, title: str | None = None,
               tile_inches: float = 1.3):
    """Show up to ``n`` images ``[N, C, H, W]`` as one ``make_grid`` picture, each captioned by its label.

    ``images`` may also be a ``DataLoader``, whose first batch is shown. ``labels`` are class indices
    (named through ``class_names``) or ready-made strings; ``colors`` colours each caption. Pass the
    ``mean`` and ``std`` of a ``Normalize`` transform to show the images as they were before it.
    """
    if isinstance(images, DataLoader):
        images, labels = next(iter(images))
    if not torch.is_tensor(images) or images.dim() != 4 or images.shape[1] not in (1, 3):
        shape = list(images.shape) if torch.is_tensor(images) else type(images).__name__
        raise ValueError(f"expected images shaped [N, 1 or 3, H, W], got {shape}")
    images = _undo_normalize(images[:n].detach().cpu().float(), mean, std).clamp(0, 1)
    count = images.shape[0]
    nrow = min(nrow, count)
    pad = max(2, int(0.14 * images.shape[2])) if labels is not None else 2  # room for a caption above each tile
    grid = make_grid(images, nrow=nrow, padding=pad, pad_value=1.0)
    rows = (count + nrow - 1) // nrow
    fig, ax = plt.subplots(figsize=(tile_inches * nrow, (tile_inches + 0.25) * rows))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_axis_off()
    if labels is not None:
        h, w = images.shape[2] + pad, images.shape[3] + pad
        for i in range(count):
            label = labels[i]
            if torch.is_tensor(label):
                label = label.item()
            text = class_names[label] if class_names is not None and not isinstance(label, str) else str(label)
            ax.text((i % nrow) * w + pad + (w - pad) / 2, (i // nrow) * h + pad, text, ha="center", va="bottom",
                    fontsize=8, color=colors[i] if colors is not None else "black", clip_on=False)
    if title:
        ax.set_title(title, pad=14)
    fig.tight_layout()
    return fig


def show_predictions(images: torch.Tensor, y_true: torch.Tensor, y_pred: torch.Tensor,
                     class_names: Sequence[str], **kwargs):
    """``show_batch`` with captions "predicted (true)", green when right and red when wrong (chapter 4)."""
    captions = [class_names[p] if p == t else f"{class_names[p]} ({class_names[t]})"
                for p, t in zip(y_pred.tolist(), y_true.tolist())]
    colors = ["green" if p == t else "red" for p, t in zip(y_pred.tolist(), y_true.tolist())]
    return show_batch(images, captions, colors=colors, **kwargs)


def plot_history(history: Mapping[str, list] | Mapping[str, Mapping[str, list]], title: str | None = None):
    """Loss and accuracy per epoch, training (dashed) and validation (solid) (chapter 4).

    ``history`` is what ``helpers.train.fit`` returns, or a dict of them keyed by a name to compare runs.
    """
    runs = {"": history} if "train_loss" in history else dict(history)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
    for i, (name, h) in enumerate(runs.items()):
        color = f"C{i}"
        prefix = f"{name}: " if name else ""
        for ax, key in ((ax_loss, "loss"), (ax_acc, "acc")):
            ax.plot(h["epoch"], h[f"train_{key}"], "--o", color=color, markersize=3, label=f"{prefix}train")
            if any(v == v for v in h.get(f"val_{key}", [])):  # skip an all-NaN validation series
                ax.plot(h["epoch"], h[f"val_{key}"], "-o", color=color, markersize=3, label=f"{prefix}test")
    for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm: torch.Tensor, class_names: Sequence[str], normalize: bool = True,
                          title: str | None = None):
    """A confusion matrix (rows: true class, columns: predicted), as fractions of each row (chapter 4)."""
    cm = torch.as_tensor(cm).double()
    shown = cm / cm.sum(dim=1, keepdim=True).clamp(min=1) if normalize else cm
    k = len(class_names)
    fig, ax = plt.subplots(figsize=(0.6 * k + 2.5, 0.6 * k + 2))
    im = ax.imshow(shown.numpy(), cmap="Blues", vmin=0)
    for i in range(k):
        for j in range(k):
            value = shown[i, j].item()
            ax.text(j, i, f"{value:.2f}" if normalize else f"{int(value)}", ha="center", va="center",
                    fontsize=7, color="white" if value > shown.max().item() / 2 else "black")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.colorbar(im, ax=ax, fraction=0.046)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_kernels(weight: torch.Tensor, nrow: int = 8, title: str | None = None):
    """Convolution kernels ``[out, in, kh, kw]``: one tile per (output, input) pair, each scaled to its own
    range so the pattern shows (chapter 4)."""
    if weight.dim() != 4:
        raise ValueError(f"expected a conv weight shaped [out, in, kh, kw], got {list(weight.shape)}")
    tiles = weight.detach().cpu().float().reshape(-1, 1, *weight.shape[2:])
    return show_feature_maps(tiles[:, 0], nrow=nrow, title=title)


def show_feature_maps(maps: torch.Tensor, nrow: int = 8, title: str | None = None, tile_inches: float = 1.2):
    """Feature maps ``[C, H, W]`` as a grid, each map scaled to its own min-max range (chapter 1)."""
    if maps.dim() != 3:
        raise ValueError(f"expected feature maps shaped [C, H, W], got {list(maps.shape)}")
    maps = maps.detach().cpu().float()
    lo = maps.amin(dim=(1, 2), keepdim=True)
    hi = maps.amax(dim=(1, 2), keepdim=True)
    scaled = ((maps - lo) / (hi - lo).clamp(min=1e-12)).unsqueeze(1)
    nrow = min(nrow, scaled.shape[0])
    grid = make_grid(scaled, nrow=nrow, padding=1, pad_value=1.0)
    rows = (scaled.shape[0] + nrow - 1) // nrow
    fig, ax = plt.subplots(figsize=(tile_inches * nrow, tile_inches * rows + (0.4 if title else 0)))
    ax.imshow(grid[0].numpy(), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
