"""The kernel explorer of chapter 1: pick or edit a 3x3 kernel and see it
applied to a photograph.

``kernel_figure`` draws kernel, photograph and result
(:func:`helpers.kernels.apply_kernel`) side by side, and ``kernel_explorer``
wraps it in ipywidgets controls, shown with
:func:`helpers.widgets.show_explorer`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..kernels import KERNELS, apply_kernel, as_kernel
from ..plot import FONT_SIZE, PAGE_INCHES, closes_on_error

CUSTOM = "custom"


def _display_range(kernel: torch.Tensor,
                   result: torch.Tensor) -> tuple[float, float, str]:
    """Grey levels for the result. A kernel that sums to 0 (an edge detector)
    maps flat regions to 0, so grey is centred on 0 and reaches white and black
    at the 99th percentile of the response's size; any other kernel keeps the
    photograph's [0, 1] brightness, scaled by the kernel's sum."""
    total = kernel.sum().item()
    if abs(total) < 1e-6:
        limit = max(torch.quantile(result.abs().flatten(), 0.99).item(), 1e-6)
        return -limit, limit, "grey = 0, white > 0, black < 0"
    return (
        (0.0, total, "brightness")
        if total > 0
        else (total, 0.0, "brightness, inverted")
    )


@closes_on_error
def kernel_figure(image, kernel, title: str | None = None):
    """Three panels: the kernel's numbers, the photograph, and the kernel
    applied to it (chapter 1)."""
    k = as_kernel(kernel)
    x = torch.as_tensor(image, dtype=torch.float32)
    result = apply_kernel(x, k)
    vmin, vmax, scale = _display_range(k, result)
    fig, (ax_k, ax_in, ax_out) = plt.subplots(
        1, 3, figsize=(PAGE_INCHES, 2.9), width_ratios=[1, 2, 2]
    )
    largest = max(k.abs().max().item(), 1e-6)
    ax_k.imshow(k.numpy(), cmap="coolwarm", vmin=-largest, vmax=largest)
    for i in range(3):
        for j in range(3):
            value = k[i, j].item()
            ax_k.text(
                j,
                i,
                f"{value:.3g}",
                ha="center",
                va="center",
                fontsize=11,
                color="white" if abs(value) > 0.6 * largest else "black",
            )
    ax_k.set_title(title or (kernel if isinstance(kernel, str) else "kernel"))
    ax_in.imshow(x.numpy(), cmap="gray", vmin=0, vmax=1)
    ax_in.set_title(f"input {list(x.shape)}")
    ax_out.imshow(result.numpy(), cmap="gray", vmin=vmin, vmax=vmax)
    ax_out.set_title(
        f"output {list(result.shape)}\n({scale})", fontsize=FONT_SIZE
    )
    for ax in (ax_k, ax_in, ax_out):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def build_kernel_explorer(image,
                          kernel: str | Sequence[Sequence[float]] = "Sobel x"):
    """The explorer's parts ``(ui, static_figure)``: a preset menu, a 3x3 grid
    of editable numbers and the picture of :func:`kernel_figure`, redrawn on
    every change; ``static_figure`` shows the start state."""
    # the live picture is the same PNG as the static figure
    from . import figure_png

    image = torch.as_tensor(image, dtype=torch.float32)
    start = as_kernel(kernel)
    name = kernel if isinstance(kernel, str) else CUSTOM
    menu = widgets.Dropdown(
        options=[*KERNELS, CUSTOM], value=name, description="kernel"
    )
    cells = [
        widgets.FloatText(
            value=v, step=0.1, layout=widgets.Layout(width="80px")
        )
        for v in start.flatten().tolist()
    ]
    grid = widgets.GridBox(
        cells, layout=widgets.Layout(grid_template_columns="repeat(3, 84px)")
    )
    picture = widgets.Image(format="png")
    # True while one control sets the others, so that the picture is drawn once
    quiet = [False]

    def current() -> torch.Tensor:
        return torch.tensor(
            [c.value for c in cells], dtype=torch.float32
        ).reshape(3, 3)

    def redraw():
        label = "custom kernel" if menu.value == CUSTOM else menu.value
        picture.value = base64.b64decode(
            figure_png(kernel_figure(image, current(), label))
        )

    def set_quietly(pairs):
        quiet[0] = True
        try:
            for control, value in pairs:
                control.value = value
        finally:
            quiet[0] = False

    def on_menu(change):
        if quiet[0] or change["new"] == CUSTOM:
            return
        set_quietly(zip(cells, as_kernel(change["new"]).flatten().tolist()))
        redraw()

    def on_cell(change):
        if quiet[0]:
            return
        preset = next(
            (n for n in KERNELS if torch.equal(as_kernel(n), current())),
            CUSTOM,
        )
        set_quietly([(menu, preset)])
        redraw()

    menu.observe(on_menu, names="value")
    for c in cells:
        c.observe(on_cell, names="value")
    redraw()
    ui = widgets.VBox([widgets.HBox([menu, grid]), picture])
    return ui, kernel_figure(
        image, start, "custom kernel" if name == CUSTOM else name
    )


def kernel_explorer(image, kernel: str | Sequence[Sequence[float]] = "Sobel x",
                    title: str = "3x3 kernels on a photograph") -> None:
    """Show the kernel explorer for a grayscale ``image [H, W]`` with values in
    [0, 1] (chapter 1): live controls in Jupyter or on Colab, and on the
    website a figure of the ``kernel`` it starts from."""
    from . import show_explorer

    ui, figure = build_kernel_explorer(image, kernel)
    show_explorer(ui, figure, title)
