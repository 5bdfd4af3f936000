"""Figures, each on a new matplotlib figure that is returned: at most
:data:`PAGE_INCHES` wide with text of at least :data:`FONT_SIZE` points, so
that the website, which shrinks wider pictures to its page, shows them
legibly."""

import math
import textwrap

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from torch import nn
from torch.utils.data import DataLoader
from torchvision.utils import make_grid

from .shapes import _axes, coverage, trace_shapes

#: The website's content width, 730 px, in inches of a notebook PNG (100 dpi).
PAGE_INCHES = 7.3
#: The smallest text in a figure in points (14 px at 100 dpi).
FONT_SIZE = 10


def show_batch(
    images,
    labels=None,
    class_names=None,
    *,
    n=32,
    nrow=8,
    mean=None,
    std=None,
    colors=None,
    title=None,
    tile_inches=1.3,
):
    """Up to ``n`` images ``[N, C, H, W]`` (floats in [0, 1], uint8, or a
    ``DataLoader``'s first batch) in one ``make_grid`` picture, captioned by
    their labels (class indices or strings) in ``colors`` (chapter 4).
    ``mean`` and ``std`` undo a ``Normalize``."""
    if isinstance(images, DataLoader):
        images, labels = next(iter(images))
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected [N, 1 or 3, H, W], got {images.shape}")
    images = images[:n].detach().cpu()
    if images.dtype == torch.uint8:
        images = images.float() / 255
    if mean is not None:  # undo Normalize: x * std + mean, per channel
        std, mean = (torch.as_tensor(v).view(-1, 1, 1) for v in (std, mean))
        images = images * std + mean
    if images.min() >= 0 and images.max() > 1.01:
        raise ValueError("images above 1: divide 0-255 floats by 255")
    captions = []
    for label in [] if labels is None else labels[: len(images)]:
        label = label.item() if torch.is_tensor(label) else label
        if class_names is not None and not isinstance(label, str):
            label = class_names[label]
        captions.append(str(label).replace(" (", "\n("))
    nrow = min(nrow, len(images))
    tile_inches = min(tile_inches, PAGE_INCHES / nrow)
    height, width = images.shape[2:]
    lines = max([c.count("\n") + 1 for c in captions] or [0])
    room = (lines * 1.2 + 0.4) * FONT_SIZE  # points above a tile, which
    # with its padding spans tile_inches: pad / (width + pad) of them
    pad = max(2, math.ceil(room * width / (tile_inches * 72 - room)))
    grid = make_grid(images.clamp(0, 1), nrow=nrow, padding=pad, pad_value=1.0)
    fig_w = tile_inches * nrow
    fig_h = fig_w * grid.shape[1] / grid.shape[2] + (0.4 if title else 0)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_axis_off()
    for i, text in enumerate(captions):
        # imshow centres pixel (r, c) on (c, r): a tile's edges are at -0.5
        x = (i % nrow) * (width + pad) + pad - 0.5 + width / 2  # the middle
        y = (i // nrow) * (height + pad) + pad - 0.5 - 0.1 * pad  # above it
        ax.text(x, y, text, ha="center", va="bottom", linespacing=1.0)
        ax.texts[-1].set_color(colors[i] if colors else "black")
    ax.set_title(title)
    fig.tight_layout(pad=0.2)
    return fig


def show_predictions(images, y_true, y_pred, class_names, **kwargs):
    """``show_batch`` with captions "predicted (true)", green when right and
    red when wrong (chapter 4)."""
    pairs = list(zip(y_pred.tolist(), y_true.tolist()))
    captions = [
        class_names[p] if p == t else f"{class_names[p]} ({class_names[t]})"
        for p, t in pairs
    ]
    colors = ["green" if p == t else "red" for p, t in pairs]
    return show_batch(images, captions, colors=colors, **kwargs)


def plot_history(history, title=None):
    """Loss and accuracy per epoch from what ``fit`` returns, or a dict of
    such histories by name: training dashed, validation solid (chapter 4)."""
    runs = {"": history} if "train_loss" in history else history
    size = (PAGE_INCHES, 3.4)
    fig, axes = plt.subplots(1, 2, figsize=size, layout="constrained")
    for i, (name, h) in enumerate(runs.items()):
        prefix = f"{name}: " if name else ""
        for ax, key in zip(axes, ("loss", "acc")):
            style = {"color": f"C{i}", "marker": "o", "ms": 3}
            ax.plot(h["epoch"], h[f"train_{key}"], "--", **style)
            ax.lines[-1].set_label(f"{prefix}train")
            if any(v == v for v in h.get(f"val_{key}", [])):  # not all NaN
                ax.plot(h["epoch"], h[f"val_{key}"], "-", **style)
                ax.lines[-1].set_label(f"{prefix}validation")
    for ax, name in zip(axes, ("loss", "accuracy")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="epoch", ylabel=name)
        ax.grid(alpha=0.3)
    # one column per run (its train and validation lines), at most three
    ncols = min(len(runs), 3) if len(runs) > 1 else 2
    handles, labels = axes[0].get_legend_handles_labels()
    where = {"loc": "outside lower center", "ncols": ncols, "frameon": False}
    fig.legend(handles, labels, **where)
    fig.suptitle(title)
    return fig


def plot_confusion_matrix(cm, class_names, normalize=True, title=None):
    """A confusion matrix ``[k, k]`` (rows: true class, columns: predicted),
    as fractions of each row unless ``normalize=False`` (chapter 4)."""
    cm = torch.as_tensor(cm).double()
    k = len(class_names)
    if cm.shape != (k, k):
        raise ValueError(f"{k} class names for a matrix of shape {cm.shape}")
    shown = cm / cm.sum(dim=1, keepdim=True).clamp(min=1) if normalize else cm
    side = min(PAGE_INCHES, 0.55 * k + 2.6)
    fig, ax = plt.subplots(figsize=(side, side - 0.4))
    im = ax.imshow(shown.numpy(), cmap="Blues", vmin=0)
    for i in range(k):
        for j in range(k):
            value = shown[i, j].item()
            color = "white" if value > shown.max().item() / 2 else "black"
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            ax.text(j, i, text, ha="center", va="center", color=color)
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set(xlabel="predicted", ylabel="true")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title(textwrap.fill(title or "", 52), fontsize=FONT_SIZE + 1)
    fig.tight_layout()
    return fig


def show_kernels(weight, nrow=8, title=None):
    """Kernels ``[out, in, kh, kw]``, a tile each, each scaled (chapter 4)."""
    return show_feature_maps(
        weight.detach().flatten(0, 1), nrow=nrow, title=title
    )


def show_feature_maps(maps, nrow=8, title=None, tile_inches=1.2):
    """Feature maps ``[C, H, W]`` as a grid, each scaled (chapter 1)."""
    if maps.dim() != 3:
        raise ValueError(f"expected feature maps [C, H, W], got {maps.shape}")
    maps = maps.detach().cpu().float()[:, None]
    nrow = min(nrow, len(maps))
    tile_inches = min(tile_inches, PAGE_INCHES / nrow)
    kw = {"normalize": True, "scale_each": True, "pad_value": 1.0}
    grid = make_grid(maps, nrow=nrow, padding=1, **kw)
    rows = -(-len(maps) // nrow)
    extra = 0.5 * title.count("\n") + 0.4 if title else 0
    fig, ax = plt.subplots(
        figsize=(tile_inches * nrow, tile_inches * rows + extra)
    )
    ax.imshow(grid[0].numpy(), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=FONT_SIZE + 1)
    fig.tight_layout()
    return fig


def draw_architecture(model, input_shape, title=None):
    """``model``'s convolution, pooling and linear layers as boxes sized and
    labelled by their outputs, traced from an input of ``input_shape``
    (batch first) by :func:`helpers.shapes.trace_shapes` (chapter 4)."""
    layers = dict(model.named_modules())
    stages = [("input", tuple(input_shape[1:]), "#d9d9d9")]
    for row in trace_shapes(model, input_shape, show=False):
        layer, shape = layers[row.name], tuple(row.output_shape[1:])
        k = getattr(layer, "kernel_size", (0,))
        k = k if isinstance(k, int) else k[0]
        if isinstance(layer, nn.Conv2d):
            stages.append((f"conv {k}×{k}", shape, "#6baed6"))
        elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
            kind = "max" if isinstance(layer, nn.MaxPool2d) else "avg"
            stages.append((f"{kind}-pool {k}", shape, "#fd8d3c"))
        elif isinstance(layer, nn.AdaptiveAvgPool2d):
            stages.append(("adaptive avg", shape, "#fd8d3c"))
        elif isinstance(layer, nn.Linear):
            stages.append(("linear", shape, "#74c476"))
    biggest = max([s[1][1] for s in stages if len(s[1]) == 3] or [1])
    fig, ax = plt.subplots(figsize=(max(6.0, 0.95 * len(stages)), 3.4))
    x = 0.0
    for i, (name, shape, color) in enumerate(stages):
        if len(shape) == 3:  # feature maps: [C, H, W]
            height = 0.6 + 2.2 * math.sqrt(shape[1] / biggest)
            below = f"{shape[0]}\n{shape[1]}×{shape[2]}"
        else:  # a vector of features
            height = 0.4 + 0.35 * math.log10(max(shape[0], 1))
            below = f"{shape[0]}"
        width = 0.18 + 0.07 * math.log2(max(shape[0], 1))
        box = Rectangle((x, -height / 2), width, height, facecolor=color)
        ax.add_patch(box)
        box.set(edgecolor="black", linewidth=0.8)
        turn = 30 if len(stages) > 12 else 0
        middle = x + width / 2
        ax.text(middle, height / 2 + 0.12, name, ha="center", rotation=turn)
        ax.text(middle, -height / 2 - 0.12, below, ha="center", va="top")
        if i:
            arrow = {"arrowstyle": "->"}
            ax.annotate("", (x - 0.03, 0), (x - 0.33, 0), arrowprops=arrow)
        x += width + 0.38
    ax.set(xlim=(-0.2, x - 0.2), ylim=(-2.6, 2.4))
    ax.set_axis_off()
    ax.set_title(title)
    fig.tight_layout()
    return fig


# ------------------------------------------ chapter 2: where windows land

PAD, READ, NEVER, WINDOW = "#d9d9d9", "#c6dbef", "#f4a3a3", "#6baed6"
FIRST, LAST = "#e6550d", "#756bb1"
LEGEND = "grey: zero padding · blue: input values some window reads · red: "
LEGEND += "values no window reads · orange / purple: the first / last window"
LEGEND_2D = " · numbers: taps reading each value · dots: where windows start"


def _cell(ax, x, y, color, edge="white", inset=0.0, width=1.0, text=None):
    side = 1 - 2 * inset
    box = Rectangle((x + inset, y + inset), side, side, linewidth=width)
    ax.add_patch(box).set(facecolor=color, edgecolor=edge)
    if text is not None:
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center")


def _grid(ax, width, height, title):  # row 0 at the top
    ax.set(xlim=(-0.1, width + 0.1), ylim=(height + 0.1, -0.1), aspect=1)
    ax.set_axis_off()
    ax.set_title(title, fontsize=FONT_SIZE)


def _input(ax, count, top, left, rows, columns, numbers=False):
    """The padded input; value ``(i, k)``, read ``count[i, k]`` times, in
    row ``top + i`` and column ``left + k``."""
    for r in range(rows):
        for c in range(columns):
            i, k = r - top, c - left
            inside = 0 <= i < count.shape[0] and 0 <= k < count.shape[1]
            n = int(count[i, k]) if inside else None
            color = PAD if n is None else NEVER if n == 0 else READ
            text = None if n is None else str(n if numbers else k)
            _cell(ax, c, r, color, text=text)


def _taps(axis, j: int) -> list[int]:  # the cells window j reads
    return [j * axis.stride + t * axis.dilation for t in range(axis.kernel)]


def _show(value) -> str:  # 7 -> '7', (7, 7) -> '7×7'
    return "×".join(map(str, value if isinstance(value, tuple) else [value]))


def draw_windows(
    size, kernel_size, stride=1, padding=0, dilation=1, *, max_windows=12
):
    """Where each window of a 1D convolution (ints) lands on its padded
    input, a row each; in 2D (pairs), how many taps read each value, where
    each window starts, and the output beside it (chapter 2)."""
    axes = _axes(size, kernel_size, stride, padding, dilation)
    out = tuple(a.windows for a in axes) if len(axes) > 1 else axes[0].windows
    if not all(a.windows > 0 for a in axes):
        raise ValueError("the kernel does not fit the padded input")
    count = coverage(size, kernel_size, stride, padding, dilation)
    inch = min(0.42, (PAGE_INCHES - 2) / (axes[-1].padded + 3))
    if len(axes) == 1:
        (a,) = axes
        shown = min(a.windows, max_windows)
        rows = 1.3 + shown + (shown < a.windows)
        figsize = (max(6.0, inch * a.padded + 1.2), inch * rows + 1.3)
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        _input(ax, count[None], 0, a.left, 1, a.padded)
        for j in range(shown):
            y, taps = 1.3 + j, _taps(a, j)
            color = FIRST if j == 0 else LAST if j == a.windows - 1 else WINDOW
            ax.plot([taps[0] + 0.5, taps[-1] + 0.5], [y + 0.5] * 2, c=color)
            for q in taps:
                _cell(ax, q, y, color, edge=color, inset=0.12)
            ax.text(-0.3, y + 0.5, f"out[{j}]", ha="right", va="center")
        if shown < a.windows:
            more = f"… and {a.windows - shown} more windows"
            ax.text(0, rows - 0.5, more, va="center")
        ax.text(-0.3, 0.5, "input", ha="right", va="center")
        _grid(ax, a.padded, rows, "")
        ax.set_xlim(-1.8, a.padded + 0.1)
    elif len(axes) == 2:
        ah, aw = axes
        out_w, out_h = max(aw.windows, 3), max(ah.padded, ah.windows)
        figsize = (max(6.0, inch * (aw.padded + 3) + 2), inch * out_h + 1.6)
        ratios = [aw.padded, out_w]
        fig, (ax, ax_out) = plt.subplots(
            1, 2, figsize=figsize, width_ratios=ratios, layout="constrained"
        )
        _input(ax, count, ah.left, aw.left, ah.padded, aw.padded, True)
        for jr in range(ah.windows):  # a dot where each window starts
            for jc in range(aw.windows):
                ax.plot(jc * aw.stride + 0.2, jr * ah.stride + 0.2, "ok", ms=2)
                _cell(ax_out, jc, jr, WINDOW)
        ends = [(ah.windows - 1, aw.windows - 1, LAST), (0, 0, FIRST)]
        for jr, jc, color in ends:
            for r in _taps(ah, jr):
                for c in _taps(aw, jc):
                    _cell(ax, c, r, "none", edge=color, inset=0.08, width=2.2)
            _cell(ax_out, jc, jr, color)
        title = f"input {ah.size}×{aw.size}"
        if (ah.padded, aw.padded) != (ah.size, aw.size):
            title += f", padded to {ah.padded}×{aw.padded}"
        _grid(ax, aw.padded, ah.padded, title)
        _grid(ax_out, out_w, out_h, f"output {ah.windows}×{aw.windows}")
    else:
        raise ValueError(f"draw_windows draws 1D or 2D, not size={size!r}")
    title = f"input {_show(size)}, kernel {_show(kernel_size)}, stride "
    title += f"{stride!r}, padding {padding!r}, dilation {dilation!r}"
    title += f" → output {_show(out)}"
    legend = LEGEND if len(axes) == 1 else LEGEND + LEGEND_2D
    chars = int(fig.get_figwidth() * 72 / (0.55 * FONT_SIZE))
    fig.suptitle(textwrap.fill(title, chars), fontsize=FONT_SIZE + 1)
    fig.supxlabel(
        textwrap.fill(legend, chars), fontsize=FONT_SIZE, color="#555"
    )
    return fig
