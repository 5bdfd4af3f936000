"""The pooling explorer of chapter 3: kernel, stride, padding, ``ceil_mode``
and max / average pooling on a feature map, drawn as the input with its pooling
windows next to the pooled output: live in the browser (``pooling.js``), and
with matplotlib (:func:`pooling_figure`) as the static figure."""

from __future__ import annotations

import base64
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
import traitlets
from matplotlib.patches import Rectangle

from ..plot import FONT_SIZE, PAGE_INCHES, closes_on_error
from ..shapes import pool_output_size
from . import Explorer, check_choice, check_int, front_end, show_explorer

MODES = ("max", "avg")
FIRST, LAST, UNCOVERED = "tab:orange", "tab:cyan", "tab:red"


def _as_map(feature_map) -> torch.Tensor:
    fmap = torch.as_tensor(feature_map).detach().cpu().float()
    if fmap.dim() == 3 and fmap.shape[0] == 1:
        fmap = fmap[0]
    if fmap.dim() != 2:
        raise ValueError(
            "expected one feature map shaped [H, W] (or [1, H, W]), got "
            f"{list(fmap.shape)}"
        )
    return fmap


def pool_map(feature_map, kernel_size: int, stride: int, padding: int = 0,
             mode: str = "max",
             ceil_mode: bool = False) -> tuple[torch.Tensor | None, str]:
    """Pool one feature map ``[H, W]`` as ``nn.MaxPool2d`` / ``nn.AvgPool2d``
    would (chapter 3).

    Returns ``(pooled [H_out, W_out], one line describing the layer)``. Where
    PyTorch would refuse the layer, nothing is raised: the result is ``None``
    and the line says why.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    fmap = _as_map(feature_map)
    h, w = fmap.shape
    layer = (
        f"{mode} pooling, kernel {kernel_size}, stride {stride}, padding "
        f"{padding}, ceil_mode={ceil_mode}"
    )
    try:
        size = pool_output_size(
            (h, w), kernel_size, stride, padding, ceil_mode=ceil_mode
        )
        pool = F.max_pool2d if mode == "max" else F.avg_pool2d
        pooled = pool(
            fmap[None, None], kernel_size, stride, padding, ceil_mode=ceil_mode
        )[0, 0]
    except (ValueError, RuntimeError) as err:
        return (
            None,
            f"{layer}: PyTorch refuses this layer "
            f"({str(err).splitlines()[0]})",
        )
    return pooled, f"{layer}: {h}×{w} → {size[0]}×{size[1]}"


def window_starts(out: int, stride: int, padding: int) -> list[int]:
    """First input index of each of ``out`` pooling windows along one axis
    (negative: in the padding)."""
    return [i * stride - padding for i in range(out)]


def uncovered(size: int, out: int, kernel_size: int, stride: int,
              padding: int) -> list[int]:
    """Input indices along one axis that no pooling window reaches (they do not
    affect the output)."""
    covered = set()
    for start in window_starts(out, stride, padding):
        covered.update(range(max(start, 0), min(start + kernel_size, size)))
    return [i for i in range(size) if i not in covered]


@closes_on_error
def pooling_figure(feature_map, kernel_size: int = 2, stride: int = 2,
                   padding: int = 0, mode: str = "max",
                   ceil_mode: bool = False):
    """The input with its pooling windows next to the pooled output
    (chapter 3).

    Padding is grey; the first window is orange (its right neighbour dashed),
    the last cyan, each with its output cell; input pixels that no window
    reaches are tinted red. Windows that do not overlap are all outlined,
    overlapping ones are marked by their centres. Parameters that PyTorch would
    refuse are flagged in the title, not raised. Returns the matplotlib
    Figure."""
    fmap = _as_map(feature_map)
    h, w = fmap.shape
    pooled, line = pool_map(
        fmap, kernel_size, stride, padding, mode, ceil_mode
    )
    vmin, vmax = fmap.min().item(), fmap.max().item()
    fig, (ax_in, ax_out) = plt.subplots(
        1, 2, figsize=(PAGE_INCHES, 3.9), layout="constrained"
    )
    p = max(padding, 0)
    padded = np.full((h + 2 * p, w + 2 * p), np.nan)
    padded[p : p + h, p : p + w] = fmap.numpy()
    cmap = plt.get_cmap("magma").with_extremes(bad="0.85")
    ax_in.imshow(
        padded,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
        extent=(-p - 0.5, w + p - 0.5, h + p - 0.5, -p - 0.5),
    )
    ax_in.set_title(
        f"input {h}×{w}" + (f", padding {padding}" if padding else "")
    )
    if pooled is None:
        ax_out.text(
            0.5,
            0.5,
            "no output:\nPyTorch refuses\nthis layer",
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 4,
            color=UNCOVERED,
            transform=ax_out.transAxes,
        )
        ax_out.set_axis_off()
        fig.suptitle(
            textwrap.fill(line, 90), color=UNCOVERED, fontsize=FONT_SIZE
        )
        return fig
    oh, ow = pooled.shape
    rows, cols = (
        window_starts(oh, stride, padding),
        window_starts(ow, stride, padding),
    )
    if stride >= kernel_size:  # windows do not overlap: outline them all
        for r in rows:
            for c in cols:
                ax_in.add_patch(Rectangle(
                    (c - 0.5, r - 0.5), kernel_size, kernel_size, fill=False,
                    edgecolor="white", linewidth=0.6, alpha=0.45))
    else:
        # overlapping outlines would hide each other: mark each window's centre
        centre = (kernel_size - 1) / 2
        ax_in.plot(
            [c + centre for r in rows for c in cols],
            [r + centre for r in rows for c in cols],
            ".",
            color="white",
            markersize=2.5,
            alpha=0.7,
        )
    # (window start in the input, its output cell, colour, line style)
    highlighted = [
        ((rows[0], cols[0]), (0, 0), FIRST, "-"),
        ((rows[-1], cols[-1]), (oh - 1, ow - 1), LAST, "-"),
    ]
    # the first window's right neighbour shows the stride (and any overlap)
    if ow > 1:
        highlighted.insert(1, ((rows[0], cols[1]), (0, 1), FIRST, "--"))
    for (r, c), _, color, style in highlighted:
        ax_in.add_patch(Rectangle(
            (c - 0.5, r - 0.5), kernel_size, kernel_size, fill=False,
            edgecolor=color, linestyle=style, linewidth=2.5, clip_on=False))
    for r in uncovered(h, oh, kernel_size, stride, padding):
        ax_in.axhspan(
            r - 0.5, r + 0.5, color=UNCOVERED, alpha=0.35, linewidth=0
        )
    for c in uncovered(w, ow, kernel_size, stride, padding):
        ax_in.axvspan(
            c - 0.5, c + 0.5, color=UNCOVERED, alpha=0.35, linewidth=0
        )
    # In ceil mode the last window may hang over the edge: show all of it.
    right = max(w + p, cols[-1] + kernel_size) - 0.5
    bottom = max(h + p, rows[-1] + kernel_size) - 0.5
    ax_in.set_xlim(-p - 0.5, right)
    ax_in.set_ylim(bottom, -p - 0.5)
    ax_out.imshow(
        pooled.numpy(),
        cmap="magma",
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
    )
    for _, (r, c), color, style in highlighted:
        ax_out.add_patch(
            Rectangle(
                (c - 0.5, r - 0.5),
                1,
                1,
                fill=False,
                edgecolor=color,
                linestyle=style,
                linewidth=2.5,
            )
        )
    ax_out.set_title(f"{mode} pooling → {oh}×{ow}")
    fig.suptitle(line, fontsize=FONT_SIZE)
    return fig


class PoolingExplorer(Explorer):
    """Sliders for kernel size, stride and padding, a max / avg switch and a
    ``ceil_mode`` box over one feature map (chapter 3).

    Each control is a trait; the map travels as float32 numbers
    (``values``, base64), so that the front end (``pooling.js``) pools in
    the browser exactly the numbers PyTorch pools. The static figure is
    :func:`pooling_figure`.
    """

    title = "Pooling explorer"
    _esm = front_end("pooling")
    #: the controls
    kernel_size = traitlets.Int(2).tag(sync=True)
    stride = traitlets.Int(2).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    mode = traitlets.Unicode("max").tag(sync=True)
    ceil_mode = traitlets.Bool(False).tag(sync=True)
    #: the feature map's size
    height = traitlets.Int().tag(sync=True)
    width = traitlets.Int().tag(sync=True)
    largest = traitlets.Int(8).tag(sync=True)  # the sliders' maximum
    #: the feature map's float32 values, row by row, base64
    values = traitlets.Unicode().tag(sync=True)

    def __init__(self, feature_map, kernel_size: int = 2, stride: int = 2,
                 padding: int = 0, mode: str = "max",
                 ceil_mode: bool = False):
        fmap = _as_map(feature_map)
        largest = min(max(fmap.shape), 8)
        check_choice("mode", mode, MODES)
        check_choice("ceil_mode", ceil_mode, (False, True))
        state = dict(
            kernel_size=check_int("kernel_size", kernel_size, 1, largest),
            stride=check_int("stride", stride, 1, largest),
            padding=check_int("padding", padding, 0, 4),
            mode=mode,
            ceil_mode=ceil_mode,
            height=fmap.shape[0],
            width=fmap.shape[1],
            largest=largest,
            values=base64.b64encode(
                fmap.numpy().astype("<f4").tobytes()
            ).decode("ascii"),
        )
        super().__init__(**state)
        self._set_key(**state)

    def feature_map(self) -> torch.Tensor:
        """The map the explorer pools, ``[height, width]``."""
        data = np.frombuffer(base64.b64decode(self.values), dtype="<f4")
        return torch.from_numpy(data.copy()).reshape(self.height, self.width)

    def settings(self) -> dict:
        """The controls' values as keyword arguments of
        :func:`pooling_figure`."""
        return dict(kernel_size=self.kernel_size, stride=self.stride,
                    padding=self.padding, mode=self.mode,
                    ceil_mode=self.ceil_mode)

    def static_figure(self):
        return pooling_figure(self.feature_map(), **self.settings())

    def describe(self) -> str:
        return pool_map(self.feature_map(), **self.settings())[1]


def pooling_explorer(feature_map, kernel_size: int = 2, stride: int = 2,
                     padding: int = 0, mode: str = "max",
                     ceil_mode: bool = False) -> None:
    """Show the pooling explorer for one feature map ``[H, W]`` (chapter 3):
    live controls in Jupyter, on Colab and on the website, and the figure of
    the state it starts from where no JavaScript runs. See
    :class:`PoolingExplorer`."""
    show_explorer(
        PoolingExplorer(
            feature_map, kernel_size, stride, padding, mode, ceil_mode
        )
    )
