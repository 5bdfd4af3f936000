"""Figures: batch grids, learning curves, confusion matrices, kernels and
feature maps, and where a convolution's windows land (chapter 2).

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
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from torch.utils.data import DataLoader
from torchvision.utils import make_grid

from .shapes import _axes, coverage, pytorch_refusal

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


# ----------------------------------------------- chapter 2: where windows land

PAD_COLOR, READ_COLOR, NEVER_READ_COLOR, WINDOW_COLOR = (
    "#d9d9d9", "#c6dbef", "#f4a3a3", "#6baed6")
FIRST_COLOR, LAST_COLOR, REFUSED_COLOR = "#e6550d", "#756bb1", "#cb181d"
LEGEND = ("grey: zero padding · blue: input values some window reads · red: "
          "values no window reads · orange / purple: the first / last window")
LEGEND_2D = (" · numbers: how many taps read each value · dots: where each "
             "window starts")


def _cell(ax, x, y, color, *, edge="white", width=1.0, style="solid",
          text=None, text_color="black", inset=0.0, z=1):
    ax.add_patch(Rectangle((x + inset, y + inset), 1 - 2 * inset,
                           1 - 2 * inset, facecolor=color, edgecolor=edge,
                           linewidth=width, linestyle=style, zorder=z))
    if text is not None:
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center",
                fontsize=FONT_SIZE, color=text_color, zorder=z + 1)


def _finish(ax, width, height):
    ax.set_xlim(-0.1, width + 0.1)
    ax.set_ylim(height + 0.1, -0.1)  # row 0 at the top
    ax.set_aspect("equal")
    ax.set_axis_off()


def _taps(axis, j: int) -> range:
    """The cells of the padded input that window ``j`` reads."""
    start = j * axis.stride
    return range(start, start + axis.span, axis.dilation)


def _draw_1d(axis, count, max_windows: int):
    refused = count is None  # count: how many taps read each input value
    overrun = refused and axis.span > axis.padded  # the window does not fit
    shown = 0 if refused else min(axis.windows, max_windows)
    more = 0 if refused else axis.windows - shown
    rows = 1.3 + shown + (1 if more or overrun else 0)
    width = max(axis.padded, axis.span)
    inch = min(0.42, (PAGE_INCHES - 1.2) / width)  # per cell, to fit the page
    fig, ax = plt.subplots(figsize=(max(6.0, inch * width + 1.2),
                                    inch * rows + 1.3), layout="constrained")
    for q in range(axis.padded):
        i = q - axis.left
        if 0 <= i < axis.size:
            never = count is not None and count[i] == 0
            _cell(ax, q, 0, NEVER_READ_COLOR if never else READ_COLOR,
                  text=str(i))
        else:
            _cell(ax, q, 0, PAD_COLOR)
    ax.text(-0.3, 0.5, "input", ha="right", va="center", fontsize=FONT_SIZE)
    if overrun:  # the first window, sticking out of the input
        ax.plot([0.5, axis.span - 0.5], [1.8, 1.8], color=REFUSED_COLOR,
                linewidth=1, zorder=2)
        for q in range(0, axis.span, axis.dilation):
            _cell(ax, q, 1.3, REFUSED_COLOR, edge=REFUSED_COLOR, inset=0.12,
                  z=3)
        ax.text(-0.3, 1.8, "window", ha="right", va="center",
                fontsize=FONT_SIZE, color=REFUSED_COLOR)
    for j in range(shown):
        y = 1.3 + j
        color = (FIRST_COLOR if j == 0 else
                 LAST_COLOR if j == axis.windows - 1 else WINDOW_COLOR)
        taps = _taps(axis, j)
        ax.plot([taps[0] + 0.5, taps[-1] + 0.5], [y + 0.5, y + 0.5],
                color=color, linewidth=1, zorder=2)
        for q in taps:
            _cell(ax, q, y, color, edge=color, inset=0.12, z=3)
        ax.text(-0.3, y + 0.5, f"out[{j}]", ha="right", va="center",
                fontsize=FONT_SIZE)
    if more:
        ax.text(0, 1.3 + shown + 0.5, f"… and {more} more windows",
                ha="left", va="center", fontsize=FONT_SIZE)
    _finish(ax, width, rows)
    ax.set_xlim(-1.8, width + 0.1)
    return fig


def _draw_2d(axes, count):
    ah, aw = axes
    refused = count is None  # count: how many taps read each input value
    out_h, out_w = ah.windows, aw.windows
    width, height = max(aw.padded, aw.span), max(ah.padded, ah.span)
    inch = min(0.34, (PAGE_INCHES - 2) / (width + max(out_w, 3)))
    if refused:
        fig, ax_in = plt.subplots(figsize=(max(6.0, inch * width + 1),
                                           inch * height + 1.4),
                                  layout="constrained")
    else:
        fig, (ax_in, ax_out) = plt.subplots(
            1, 2, figsize=(max(6.0, inch * (width + max(out_w, 3)) + 2),
                           inch * max(height, out_h) + 1.6),
            gridspec_kw={"width_ratios": [width, max(out_w, 3)]},
            layout="constrained")
    numbers = inch >= 0.22  # room for a number in each cell
    for r in range(ah.padded):
        for c in range(aw.padded):
            i, k = r - ah.left, c - aw.left
            if 0 <= i < ah.size and 0 <= k < aw.size:
                n = None if count is None else int(count[i, k])
                _cell(ax_in, c, r, NEVER_READ_COLOR if n == 0 else READ_COLOR,
                      text=str(n) if numbers and n is not None else None,
                      text_color="#444444")
            else:
                _cell(ax_in, c, r, PAD_COLOR)
    if refused and (ah.span > ah.padded or aw.span > aw.padded):
        for r in range(0, ah.span, ah.dilation):  # the first window, outside
            for c in range(0, aw.span, aw.dilation):
                _cell(ax_in, c, r, "none", edge=REFUSED_COLOR, width=1.8,
                      style="dashed", inset=0.08, z=3)
    if not refused:
        for jr in range(out_h):  # a dot where each window starts
            for jc in range(out_w):
                ax_in.plot(jc * aw.stride + 0.18, jr * ah.stride + 0.18, "o",
                           color="black", markersize=2.5, zorder=5)
                _cell(ax_out, jc, jr, WINDOW_COLOR)
        for (jr, jc), color in (((out_h - 1, out_w - 1), LAST_COLOR),
                                ((0, 0), FIRST_COLOR)):
            for r in _taps(ah, jr):
                for c in _taps(aw, jc):
                    _cell(ax_in, c, r, "none", edge=color, width=2.2,
                          inset=0.08, z=3)
            _cell(ax_out, jc, jr, color)
        _finish(ax_out, max(out_w, 3), max(height, out_h))
        ax_out.set_title(f"output {out_h}×{out_w}", fontsize=FONT_SIZE)
    _finish(ax_in, width, height)
    padded = (f", padded to {ah.padded}×{aw.padded}"
              if (ah.padded, aw.padded) != (ah.size, aw.size) else "")
    ax_in.set_title(f"input {ah.size}×{aw.size}{padded}", fontsize=FONT_SIZE)
    return fig


def _show(value) -> str:
    return (str(value) if isinstance(value, (int, str))
            else "×".join(map(str, value)))


def _wrap(text: str, fig, fontsize: float) -> str:
    """Wrap each line of ``text`` to the width of ``fig``."""
    chars = int(fig.get_figwidth() * 72 / (0.55 * fontsize))
    return "\n".join(textwrap.fill(line, chars) for line in text.splitlines())


@closes_on_error
def draw_windows(size, kernel_size, stride=1, padding=0, dilation=1, *,
                 max_windows: int = 12):
    """Draw where each window of a convolution lands on its zero-padded input;
    return the Figure (chapter 2).

    1D (ints): the padded input on top, one row per window below it with the
    cells its taps read. 2D (pairs): the padded input with, in each cell, how
    many taps read it, a dot where each window starts, the first and last
    windows outlined; the output grid beside it. Input values that no window
    reads are red. Parameters PyTorch refuses are drawn too (the window
    sticking out), with PyTorch's error as the title instead of a crash.
    """
    axes = _axes(size, kernel_size, stride, padding, dilation)
    if len(axes) not in (1, 2):
        raise ValueError("draw_windows draws 1D (int) or 2D (pair) "
                         f"convolutions, got size={size!r}")
    refusal = pytorch_refusal(size, kernel_size, stride, padding, dilation)
    count = None if refusal else coverage(size, kernel_size, stride, padding,
                                          dilation)
    fig = (_draw_1d(axes[0], count, max_windows)
           if len(axes) == 1 else _draw_2d(axes, count))
    settings = (f"input {_show(size)}, kernel {_show(kernel_size)}, stride "
                f"{stride!r}, padding {padding!r}, dilation {dilation!r}")
    if refusal is None:
        out = tuple(a.windows for a in axes)
        title = f"{settings} → output {_show(out if len(out) > 1 else out[0])}"
        fig.suptitle(_wrap(title, fig, FONT_SIZE + 1), fontsize=FONT_SIZE + 1)
        legend = LEGEND if len(axes) == 1 else LEGEND + LEGEND_2D
        fig.supxlabel(_wrap(legend, fig, FONT_SIZE), fontsize=FONT_SIZE,
                      color="#555555")
    else:
        fig.suptitle(_wrap(f"{settings}\nPyTorch refuses: {refusal}", fig,
                           FONT_SIZE), fontsize=FONT_SIZE, color=REFUSED_COLOR)
    return fig
