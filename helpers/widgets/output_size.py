"""The output-size explorer of chapter 2: how many windows a convolution fits,
and where each one lands.

Ints describe a 1D convolution, pairs a 2D one (one number per dimension, as
``nn.Conv2d`` takes them). ``padding`` is an int (or pair), ``'valid'``,
``'same'`` or ``'full'``. The arithmetic is in :mod:`helpers.shapes`
(:func:`~helpers.shapes.coverage`, :func:`~helpers.shapes.output_size_report`);
the explorer's front end (``output_size.js``) does the same arithmetic in the
browser, so that it needs no kernel. This module draws and interacts:

- :func:`draw_windows` draws the (padded) input and where every window lands on
  it.
- :func:`output_size_explorer` shows :class:`OutputSizeExplorer`, sliders that
  move the windows in the browser (after CNN Explainer's hyper-parameter
  view), with :func:`draw_windows` as its static figure.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import traitlets
from matplotlib.patches import Rectangle

from ..plot import FONT_SIZE, PAGE_INCHES, closes_on_error
from ..shapes import (
    Padding,
    Size,
    _axes,
    _Axis,
    _ndim,
    output_size_report,
    pytorch_refusal,
)
from . import Explorer, check_choice, check_int, front_end, show_explorer

PAD_COLOR, READ_COLOR, NEVER_READ_COLOR, WINDOW_COLOR = (
    "#d9d9d9",
    "#c6dbef",
    "#f4a3a3",
    "#6baed6",
)
FIRST_COLOR, LAST_COLOR, REFUSED_COLOR = "#e6550d", "#756bb1", "#cb181d"
LEGEND = (
    "grey: zero padding · blue: input values some window reads · red: values "
    "no window reads · orange / purple: the first / last window"
)
LEGEND_2D = (
    " · numbers: how many taps read each value · dots: where each window "
    "starts"
)


def _cell(ax, x, y, color, *, edge="white", width=1.0, style="solid",
          text=None, text_color="black", fontsize=FONT_SIZE, inset=0.0, z=1):
    ax.add_patch(
        Rectangle(
            (x + inset, y + inset),
            1 - 2 * inset,
            1 - 2 * inset,
            facecolor=color,
            edgecolor=edge,
            linewidth=width,
            linestyle=style,
            zorder=z,
        )
    )
    if text is not None:
        ax.text(
            x + 0.5,
            y + 0.5,
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            color=text_color,
            zorder=z + 1,
        )


def _finish(ax, width, height):
    ax.set_xlim(-0.1, width + 0.1)
    ax.set_ylim(height + 0.1, -0.1)  # row 0 at the top
    ax.set_aspect("equal")
    ax.set_axis_off()


def _draw_1d(axis: _Axis, refused: bool, max_windows: int):
    # PyTorch refuses because the window does not fit
    overrun = refused and axis.span > axis.padded
    shown = 0 if refused else min(axis.windows, max_windows)
    more = 0 if refused else axis.windows - shown
    rows = 1.3 + shown + (1 if more or overrun else 0)
    width = max(axis.padded, axis.span)
    # per cell, so that the figure fits the page
    inch = min(0.42, (PAGE_INCHES - 1.2) / width)
    fig, ax = plt.subplots(
        figsize=(max(6.0, inch * width + 1.2), inch * rows + 1.3),
        layout="constrained",
    )
    count = None if refused else axis.count()
    for q in range(axis.padded):
        i = q - axis.left
        if 0 <= i < axis.size:
            never = count is not None and count[i] == 0
            _cell(
                ax,
                q,
                0,
                NEVER_READ_COLOR if never else READ_COLOR,
                text=str(i),
            )
        else:
            _cell(ax, q, 0, PAD_COLOR)
    ax.text(-0.3, 0.5, "input", ha="right", va="center", fontsize=FONT_SIZE)
    if overrun:  # the first window, sticking out of the input
        ax.plot(
            [0.5, axis.span - 0.5],
            [1.8, 1.8],
            color=REFUSED_COLOR,
            linewidth=1,
            zorder=2,
        )
        for q in range(0, axis.span, axis.dilation):
            _cell(
                ax, q, 1.3, REFUSED_COLOR, edge=REFUSED_COLOR, inset=0.12, z=3
            )
        ax.text(
            -0.3,
            1.8,
            "window",
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
            color=REFUSED_COLOR,
        )
    for j in range(shown):
        y = 1.3 + j
        color = (
            FIRST_COLOR
            if j == 0
            else LAST_COLOR
            if j == axis.windows - 1
            else WINDOW_COLOR
        )
        taps = axis.taps(j)
        ax.plot(
            [taps[0] + 0.5, taps[-1] + 0.5],
            [y + 0.5, y + 0.5],
            color=color,
            linewidth=1,
            zorder=2,
        )
        for q in taps:
            _cell(ax, q, y, color, edge=color, inset=0.12, z=3)
        ax.text(
            -0.3,
            y + 0.5,
            f"out[{j}]",
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
        )
    if more:
        ax.text(
            0,
            1.3 + shown + 0.5,
            f"… and {more} more windows",
            ha="left",
            va="center",
            fontsize=FONT_SIZE,
        )
    _finish(ax, width, rows)
    ax.set_xlim(-1.8, width + 0.1)
    return fig


def _draw_2d(axes: list[_Axis], refused: bool):
    ah, aw = axes
    out_h, out_w = ah.windows, aw.windows
    width, height = max(aw.padded, aw.span), max(ah.padded, ah.span)
    # per cell, to fit the page
    inch = min(0.34, (PAGE_INCHES - 2) / (width + max(out_w, 3)))
    if refused:
        fig, ax_in = plt.subplots(
            figsize=(max(6.0, inch * width + 1), inch * height + 1.4),
            layout="constrained",
        )
    else:
        fig, (ax_in, ax_out) = plt.subplots(
            1,
            2,
            figsize=(
                max(6.0, inch * (width + max(out_w, 3)) + 2),
                inch * max(height, out_h) + 1.6,
            ),
            gridspec_kw={"width_ratios": [width, max(out_w, 3)]},
            layout="constrained",
        )
    count = None if refused else np.multiply.outer(ah.count(), aw.count())
    numbers = inch >= 0.22  # room for a number in each cell
    for r in range(ah.padded):
        for c in range(aw.padded):
            i, k = r - ah.left, c - aw.left
            if 0 <= i < ah.size and 0 <= k < aw.size:
                n = None if count is None else int(count[i, k])
                _cell(
                    ax_in,
                    c,
                    r,
                    NEVER_READ_COLOR if n == 0 else READ_COLOR,
                    text=str(n) if numbers and n is not None else None,
                    text_color="#444444",
                )
            else:
                _cell(ax_in, c, r, PAD_COLOR)
    if refused:
        # the first window, sticking out of the input
        if ah.span > ah.padded or aw.span > aw.padded:
            for r in range(0, ah.span, ah.dilation):
                for c in range(0, aw.span, aw.dilation):
                    _cell(
                        ax_in,
                        c,
                        r,
                        "none",
                        edge=REFUSED_COLOR,
                        width=1.8,
                        style="dashed",
                        inset=0.08,
                        z=3,
                    )
    else:
        # a dot in the first cell of every window: one dot per output value
        for jr in range(out_h):
            for jc in range(out_w):
                ax_in.plot(
                    jc * aw.stride + 0.18,
                    jr * ah.stride + 0.18,
                    "o",
                    color="black",
                    markersize=2.5,
                    zorder=5,
                )
                _cell(ax_out, jc, jr, WINDOW_COLOR)
        for (jr, jc), color in (
            ((out_h - 1, out_w - 1), LAST_COLOR),
            ((0, 0), FIRST_COLOR),
        ):
            for r in ah.taps(jr):
                for c in aw.taps(jc):
                    _cell(
                        ax_in,
                        c,
                        r,
                        "none",
                        edge=color,
                        width=2.2,
                        inset=0.08,
                        z=3,
                    )
            _cell(ax_out, jc, jr, color)
        _finish(ax_out, max(out_w, 3), max(height, out_h))
        ax_out.set_title(f"output {out_h}×{out_w}", fontsize=FONT_SIZE)
    _finish(ax_in, width, height)
    padded = (
        f", padded to {ah.padded}×{aw.padded}"
        if (ah.padded, aw.padded) != (ah.size, aw.size)
        else ""
    )
    ax_in.set_title(f"input {ah.size}×{aw.size}{padded}", fontsize=FONT_SIZE)
    return fig


def _show(value) -> str:
    return (
        str(value)
        if isinstance(value, (int, str))
        else "×".join(map(str, value))
    )


@closes_on_error
def draw_windows(size: Size, kernel_size: Size, stride: Size = 1,
                 padding: Padding = 0, dilation: Size = 1, *,
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
    if _ndim(size) not in (1, 2):
        raise ValueError(
            "draw_windows draws 1D (int) or 2D (pair) convolutions, got "
            f"size={size!r}"
        )
    refusal = pytorch_refusal(size, kernel_size, stride, padding, dilation)
    axes = _axes(size, kernel_size, stride, padding, dilation)
    fig = (
        _draw_1d(axes[0], refusal is not None, max_windows)
        if len(axes) == 1
        else _draw_2d(axes, refusal is not None)
    )
    settings = _settings_line(size, kernel_size, stride, padding, dilation)
    if refusal is None:
        out = tuple(a.windows for a in axes)
        fig.suptitle(
            _wrap(
                f"{settings} → output "
                f"{_show(out if len(out) > 1 else out[0])}",
                fig,
                FONT_SIZE + 1,
            ),
            fontsize=FONT_SIZE + 1,
        )
        legend = LEGEND if len(axes) == 1 else LEGEND + LEGEND_2D
        fig.supxlabel(
            _wrap(legend, fig, FONT_SIZE), fontsize=FONT_SIZE, color="#555555"
        )
    else:
        fig.suptitle(
            _wrap(f"{settings}\nPyTorch refuses: {refusal}", fig, FONT_SIZE),
            fontsize=FONT_SIZE,
            color=REFUSED_COLOR,
        )
    return fig


def _settings_line(size, kernel_size, stride, padding, dilation) -> str:
    return (
        f"input {_show(size)}, kernel {_show(kernel_size)}, stride "
        f"{stride!r}, padding {padding!r}, dilation {dilation!r}"
    )


def _wrap(text: str, fig, fontsize: float) -> str:
    """Wrap each line of ``text`` to the width of ``fig``."""
    chars = int(fig.get_figwidth() * 72 / (0.55 * fontsize))
    return "\n".join(textwrap.fill(line, chars) for line in text.splitlines())


# ---------------------------------------------------------------- the explorer


class OutputSizeExplorer(Explorer):
    """Sliders for input size, kernel, stride, padding and dilation, 1D or 2D
    (square); the output size by the formula, PyTorch's refusals and where
    the windows land follow them (chapter 2, after CNN Explainer's
    hyper-parameter view).

    Each control is a trait (``size``, ``kernel_size``, ``stride``,
    ``padding_mode`` with ``padding``, ``dilation``, ``dims``); the front end
    (``output_size.js``) computes and draws in the browser.
    ``settings()`` gives the current state as keyword arguments of
    :func:`draw_windows`, the static figure.
    """

    title = "Output-size explorer"
    _esm = front_end("output_size")
    #: ``'1D'`` or ``'2D'`` (a square input), then the controls' values
    dims = traitlets.Unicode("1D").tag(sync=True)
    size = traitlets.Int(8).tag(sync=True)
    kernel_size = traitlets.Int(3).tag(sync=True)
    stride = traitlets.Int(3).tag(sync=True)
    # 'number' (then ``padding`` counts the zeros), 'valid', 'same' or 'full'
    padding_mode = traitlets.Unicode("number").tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    dilation = traitlets.Int(1).tag(sync=True)

    def __init__(self, size: int = 8, kernel_size: int = 3, stride: int = 3,
                 padding: int | str = 0, dilation: int = 1, dims: str = "1D"):
        check_choice("dims", dims, ("1D", "2D"))
        if isinstance(padding, str):
            check_choice("padding", padding, ("valid", "same", "full"))
        state = dict(
            dims=dims,
            size=check_int("size", size, 1, 16),
            kernel_size=check_int("kernel_size", kernel_size, 1, 7),
            stride=check_int("stride", stride, 1, 4),
            padding_mode=padding if isinstance(padding, str) else "number",
            padding=0 if isinstance(padding, str)
            else check_int("padding", padding, 0, 4),
            dilation=check_int("dilation", dilation, 1, 3),
        )
        super().__init__(**state)
        self._set_key(**state)

    def settings(self) -> dict:
        """The controls' values as keyword arguments of
        :func:`draw_windows`."""

        def per_dim(value):
            return (
                (value, value)
                if self.dims == "2D" and not isinstance(value, str)
                else value
            )

        padding = (
            self.padding if self.padding_mode == "number"
            else self.padding_mode
        )
        return dict(
            size=per_dim(self.size),
            kernel_size=per_dim(self.kernel_size),
            stride=per_dim(self.stride),
            padding=per_dim(padding),
            dilation=per_dim(self.dilation),
        )

    def report(self) -> str:
        """The output size by the formula and by PyTorch, as text (see
        :func:`~helpers.shapes.output_size_report`)."""
        return output_size_report(**self.settings())

    def static_figure(self):
        return draw_windows(**self.settings())

    def describe(self) -> str:
        settings = self.settings()
        refusal = pytorch_refusal(**settings)
        line = _settings_line(**settings)
        if refusal is not None:
            return f"{line}: PyTorch refuses ({refusal})"
        out = tuple(a.windows for a in _axes(**settings))
        return f"{line} → output {_show(out if len(out) > 1 else out[0])}"


def output_size_explorer(size: int = 8, kernel_size: int = 3, stride: int = 3,
                         padding: int | str = 0, dilation: int = 1,
                         dims: str = "1D") -> None:
    """Show the output-size explorer (chapter 2): live controls in Jupyter, on
    Colab and on the website, and the drawing of the state it starts from
    where no JavaScript runs. See :class:`OutputSizeExplorer`."""
    show_explorer(
        OutputSizeExplorer(size, kernel_size, stride, padding, dilation, dims)
    )
