"""Figures: batch grids, learning curves, confusion matrices, kernels and
feature maps.

``show_batch`` and ``plot_history`` are introduced in chapter 4, the rest where
they are first used. Every function draws on a new matplotlib figure and
returns it; one that fails closes what it had drawn. Figures are at most
:data:`PAGE_INCHES` wide with text of at least :data:`FONT_SIZE` points, so
that the website, which shrinks wider pictures to its page, shows them legibly.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import MaxNLocator
from torch.utils.data import DataLoader
from torchvision.utils import make_grid

#: The website's content width, 730 px, in inches of a notebook PNG (100 dpi).
PAGE_INCHES = 7.3
#: The size in points of the smallest text in a figure. At 100 dpi and no
#: shrinking, 10 pt is 14 px, close to the page's 16 px body text.
FONT_SIZE = 10


def closes_on_error(draw):
    """Decorate a function that draws: if it raises, the figures it opened are
    closed, so that a failed plot leaves no half-drawn figure behind."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        before = set(plt.get_fignums())
        try:
            return draw(*args, **kwargs)
        except BaseException:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
            raise

    return wrapper


def _undo_normalize(images: torch.Tensor, mean, std) -> torch.Tensor:
    if mean is None or std is None:
        return images
    mean = torch.as_tensor(mean, dtype=images.dtype).view(1, -1, 1, 1)
    std = torch.as_tensor(std, dtype=images.dtype).view(1, -1, 1, 1)
    return images * std + mean


def _as_unit_range(images: torch.Tensor, mean, std) -> torch.Tensor:
    """Images as floats in [0, 1]: uint8 is divided by 255, a Normalize
    transform is undone; floats that look like 0-255 values are refused."""
    if images.dtype == torch.uint8:
        if mean is not None or std is not None:
            raise ValueError(
                "mean and std undo a Normalize transform, which gives floats: "
                "images are uint8 (0-255)"
            )
        return images.float() / 255
    images = _undo_normalize(images.detach().cpu().float(), mean, std)
    low, high = images.min().item(), images.max().item()
    if low >= -1e-3 and high > 1 + 1e-3:
        raise ValueError(
            f"images look like 0-255 pixel values (floats from {low:g} to "
            f"{high:g}): show_batch wants floats in [0, 1]; divide them by "
            "255 or pass uint8"
        )
    return images.clamp(0, 1)


def _caption(label, class_names: Sequence[str] | None) -> str:
    if torch.is_tensor(label):
        label = label.item()
    if isinstance(label, str) or class_names is None:
        return str(label)
    if not 0 <= label < len(class_names):
        raise ValueError(
            f"label {label} has no name in class_names ({len(class_names)} "
            "names)"
        )
    return class_names[label]


@closes_on_error
def show_batch(images: torch.Tensor | DataLoader,
               labels: Sequence | torch.Tensor | None = None,
               class_names: Sequence[str] | None = None, *, n: int = 32,
               nrow: int = 8, mean=None, std=None,
               colors: Sequence[str] | None = None, title: str | None = None,
               tile_inches: float | None = None):
    """Show up to ``n`` images ``[N, C, H, W]`` as one ``make_grid`` picture,
    each captioned by its label (chapter 4).

    ``images`` may also be a ``DataLoader``, whose first batch is shown, and
    are floats in [0, 1] or uint8 in 0-255. ``labels`` are class indices
    (named through ``class_names``) or ready-made strings; a caption breaks
    before a bracket, e.g. "Shirt (T-shirt/top)" takes two lines. ``colors``
    colours each caption. Pass the ``mean`` and ``std`` of a ``Normalize``
    transform to show the images as they were before it. Each tile is
    ``tile_inches`` wide (1.3 by default), less where the grid would be wider
    than :data:`PAGE_INCHES`.
    """
    if isinstance(images, DataLoader):
        images, labels = next(iter(images))
    if (
        not torch.is_tensor(images)
        or images.dim() != 4
        or images.shape[1] not in (1, 3)
    ):
        shape = (
            list(images.shape)
            if torch.is_tensor(images)
            else type(images).__name__
        )
        raise ValueError(
            f"expected images shaped [N, 1 or 3, H, W], got {shape}"
        )
    if images.shape[0] == 0:
        raise ValueError("images is an empty batch: nothing to show")
    if n < 1 or nrow < 1:
        raise ValueError(
            f"n and nrow must be positive, got n={n}, nrow={nrow}"
        )
    count = min(n, images.shape[0])
    for name, values in (("labels", labels), ("colors", colors)):
        if values is not None and len(values) < count:
            raise ValueError(
                f"{name} has {len(values)} entries for {count} images"
            )
    images = _as_unit_range(images[:count], mean, std)
    captions = None
    if labels is not None:
        captions = [
            _caption(labels[i], class_names).replace(" (", "\n(")
            for i in range(count)
        ]
    nrow = min(nrow, count)
    tile_inches = min(tile_inches or 1.3, PAGE_INCHES / nrow)
    height, width = images.shape[2:]
    pad = 2
    if captions:  # room above each tile for its caption's lines
        lines = max(c.count("\n") + 1 for c in captions)
        inches_per_pixel = tile_inches / width
        pad = max(
            pad, round((lines * 1.2 + 0.4) * FONT_SIZE / 72 / inches_per_pixel)
        )
    grid = make_grid(images, nrow=nrow, padding=pad, pad_value=1.0)
    grid_h, grid_w = grid.shape[1:]
    fig_w = tile_inches * nrow
    fig, ax = plt.subplots(
        figsize=(fig_w, fig_w * grid_h / grid_w + (0.4 if title else 0))
    )
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_axis_off()
    if captions:
        step_x, step_y = width + pad, height + pad
        for i, text in enumerate(captions):
            # imshow centres pixel (r, c) on (c, r): a tile's edges are at -0.5
            x = (i % nrow) * step_x + pad - 0.5 + width / 2  # tile i's middle
            y = (i // nrow) * step_y + pad - 0.5 - 0.1 * pad  # just above it
            ax.text(
                x,
                y,
                text,
                ha="center",
                va="bottom",
                fontsize=FONT_SIZE,
                linespacing=1.0,
                clip_on=False,
                color=colors[i] if colors is not None else "black",
            )
    if title:
        ax.set_title(title, fontsize=FONT_SIZE + 2)
    fig.tight_layout(pad=0.2)
    return fig


def show_predictions(images: torch.Tensor, y_true: torch.Tensor,
                     y_pred: torch.Tensor, class_names: Sequence[str],
                     **kwargs):
    """``show_batch`` with captions "predicted (true)", green when right and
    red when wrong (chapter 4)."""
    pairs = list(zip(y_pred.tolist(), y_true.tolist()))
    captions = [
        class_names[p] if p == t else f"{class_names[p]} ({class_names[t]})"
        for p, t in pairs
    ]
    colors = ["green" if p == t else "red" for p, t in pairs]
    return show_batch(images, captions, colors=colors, **kwargs)


HISTORY_KEYS = ("epoch", "train_loss", "train_acc")


@closes_on_error
def plot_history(
    history: Mapping[str, list] | Mapping[str, Mapping[str, list]],
    title: str | None = None,
):
    """Loss and accuracy per epoch, training dashed and validation
    solid, one colour per run, with one legend below both panels (chapter 4).

    ``history`` is what ``helpers.train.fit`` returns, or a dict of them keyed
    by a name to compare runs.
    """
    if not isinstance(history, Mapping) or not history:
        raise ValueError(
            "history must be what fit returns, or a dict of them keyed by "
            f"name, got {type(history).__name__}"
        )
    runs = {"": history} if "train_loss" in history else dict(history)
    for name, h in runs.items():
        missing = [
            k for k in HISTORY_KEYS if not isinstance(h, Mapping) or k not in h
        ]
        if missing:
            where = f"history[{name!r}]" if name else "history"
            raise ValueError(
                f"{where} lacks {', '.join(missing)}: pass what "
                "helpers.train.fit returns"
            )
    fig, (ax_loss, ax_acc) = plt.subplots(
        1, 2, figsize=(PAGE_INCHES, 3.4), layout="constrained"
    )
    for i, (name, h) in enumerate(runs.items()):
        prefix = f"{name}: " if name else ""
        for ax, key in ((ax_loss, "loss"), (ax_acc, "acc")):
            ax.plot(h["epoch"], h[f"train_{key}"], "--o", color=f"C{i}",
                    markersize=3, label=f"{prefix}train")
            # skip an all-NaN validation series
            if any(v == v for v in h.get(f"val_{key}", [])):
                ax.plot(h["epoch"], h[f"val_{key}"], "-o", color=f"C{i}",
                        markersize=3, label=f"{prefix}validation")
    for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.tick_params(labelsize=FONT_SIZE)
        ax.grid(alpha=0.3)
    handles, labels = ax_loss.get_legend_handles_labels()
    # one column per run (its train and test lines), at most three
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(len(runs), 3) if len(runs) > 1 else 2,
        fontsize=FONT_SIZE,
        frameon=False,
    )
    if title:
        fig.suptitle(title, fontsize=FONT_SIZE + 2)
    return fig


@closes_on_error
def plot_confusion_matrix(cm: torch.Tensor, class_names: Sequence[str],
                          normalize: bool = True, title: str | None = None):
    """A confusion matrix ``[k, k]`` (rows: true class, columns: predicted),
    as fractions of each row unless ``normalize=False`` (chapter 4)."""
    cm = torch.as_tensor(cm).double()
    k = len(class_names)
    if cm.dim() != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(
            f"cm must be a square matrix [k, k], got shape {list(cm.shape)}"
        )
    if cm.shape[0] != k:
        raise ValueError(
            f"class_names has {k} names for a {cm.shape[0]}x{cm.shape[1]} "
            "confusion matrix"
        )
    shown = cm / cm.sum(dim=1, keepdim=True).clamp(min=1) if normalize else cm
    side = min(PAGE_INCHES, 0.55 * k + 2.6)
    fig, ax = plt.subplots(figsize=(side, side - 0.4))
    im = ax.imshow(shown.numpy(), cmap="Blues", vmin=0)
    for i in range(k):
        for j in range(k):
            value = shown[i, j].item()
            ax.text(
                j,
                i,
                f"{value:.2f}" if normalize else f"{int(value)}",
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                color="white" if value > shown.max().item() / 2 else "black",
            )
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.tick_params(labelsize=FONT_SIZE)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    bar = fig.colorbar(im, ax=ax, fraction=0.046)
    bar.ax.tick_params(labelsize=FONT_SIZE)
    if title:
        ax.set_title(
            "\n".join(textwrap.wrap(title, 52)), fontsize=FONT_SIZE + 1
        )
    fig.tight_layout()
    return fig


def show_kernels(weight: torch.Tensor, nrow: int = 8,
                 title: str | None = None):
    """Convolution kernels ``[out, in, kh, kw]``: one tile per (output, input)
    pair, each scaled to its own range so the pattern shows (chapter 4)."""
    if weight.dim() != 4:
        raise ValueError(
            "expected a conv weight shaped [out, in, kh, kw], got "
            f"{list(weight.shape)}"
        )
    tiles = weight.detach().cpu().float().reshape(-1, 1, *weight.shape[2:])
    return show_feature_maps(tiles[:, 0], nrow=nrow, title=title)


@closes_on_error
def show_feature_maps(maps: torch.Tensor, nrow: int = 8,
                      title: str | None = None, tile_inches: float = 1.2):
    """Feature maps ``[C, H, W]`` as a grid, each map scaled to its own min-max
    range (chapter 1). The grid is at most :data:`PAGE_INCHES` wide."""
    if maps.dim() != 3:
        raise ValueError(
            f"expected feature maps shaped [C, H, W], got {list(maps.shape)}"
        )
    maps = maps.detach().cpu().float()
    lo = maps.amin(dim=(1, 2), keepdim=True)
    hi = maps.amax(dim=(1, 2), keepdim=True)
    scaled = ((maps - lo) / (hi - lo).clamp(min=1e-12)).unsqueeze(1)
    nrow = min(nrow, scaled.shape[0])
    tile_inches = min(tile_inches, PAGE_INCHES / nrow)
    grid = make_grid(scaled, nrow=nrow, padding=1, pad_value=1.0)
    rows = (scaled.shape[0] + nrow - 1) // nrow
    fig, ax = plt.subplots(
        figsize=(
            tile_inches * nrow,
            tile_inches * rows
            + (0.5 * (title or "").count("\n") + 0.4 if title else 0),
        )
    )
    ax.imshow(grid[0].numpy(), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=FONT_SIZE + 1)
    fig.tight_layout()
    return fig
