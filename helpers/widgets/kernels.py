"""The kernel explorer of chapter 1: pick or edit a 3x3 kernel and see it
applied to a photograph.

``kernel_explorer`` shows :class:`KernelExplorer`, whose controls redraw the
result in the browser; ``kernel_figure`` draws kernel, photograph and result
(:func:`helpers.kernels.apply_kernel`) side by side with matplotlib, as its
static figure.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
import traitlets

from ..kernels import KERNELS, apply_kernel, as_kernel
from ..plot import FONT_SIZE, PAGE_INCHES, closes_on_error
from . import Explorer, front_end, show_explorer

CUSTOM = "custom"
# The longest side of the photo the explorer holds: its pixels travel with the
# page, and the browser convolves them at every change.
MAX_SIDE = 160


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


def explorer_image(image, max_side: int = MAX_SIDE) -> torch.Tensor:
    """``image [H, W]`` (values in [0, 1]) as the kernel explorer holds it:
    shrunk by a whole factor (the mean of each block of pixels) until no side
    is longer than ``max_side``, then rounded to 8 bits, as a photo's pixels
    are (chapter 1)."""
    x = torch.as_tensor(image, dtype=torch.float32)
    if x.dim() != 2 or min(x.shape) < 3:
        raise ValueError(
            "expected a grayscale image [H, W] of at least 3x3, got shape "
            f"{list(x.shape)}"
        )
    factor = -(-max(x.shape) // max_side)  # ceil
    if factor > 1:
        x = F.avg_pool2d(x[None, None], factor)[0, 0]
    return (x.clamp(0, 1) * 255).round() / 255


class KernelExplorer(Explorer):
    """A preset menu and a 3x3 grid of editable numbers; the kernel applied to
    a grayscale photo follows them (chapter 1).

    ``kernel`` (nine numbers, row by row) and ``preset`` are traits; the
    photo travels as 8-bit pixels (``pixels``, base64), and the front end
    (``kernels.js``) cross-correlates them with the kernel in the browser, as
    :func:`helpers.kernels.apply_kernel` does. The static figure is
    :func:`kernel_figure`.
    """

    title = "3x3 kernels on a photograph"
    _esm = front_end("kernels")
    #: the nine numbers of the kernel, row by row
    kernel = traitlets.List(traitlets.Float()).tag(sync=True)
    #: the preset's name, or ``'custom'``
    preset = traitlets.Unicode(CUSTOM).tag(sync=True)
    #: every preset's nine numbers, by name
    presets = traitlets.Dict().tag(sync=True)
    #: the photo's size
    height = traitlets.Int().tag(sync=True)
    width = traitlets.Int().tag(sync=True)
    #: the photo's 8-bit pixels, row by row, base64
    pixels = traitlets.Unicode().tag(sync=True)

    def __init__(self, image,
                 kernel: str | Sequence[Sequence[float]] = "Sobel x",
                 title: str | None = None):
        x = explorer_image(image)
        state = dict(
            kernel=as_kernel(kernel).flatten().tolist(),
            preset=kernel if isinstance(kernel, str) else CUSTOM,
            presets={
                name: as_kernel(name).flatten().tolist() for name in KERNELS
            },
            height=x.shape[0],
            width=x.shape[1],
            pixels=base64.b64encode(
                (x * 255).round().to(torch.uint8).numpy().tobytes()
            ).decode("ascii"),
        )
        super().__init__(**state)
        if title is not None:
            self.title = title
        self._set_key(**state)

    def image(self) -> torch.Tensor:
        """The photo the explorer works on, ``[height, width]`` in [0, 1]."""
        data = torch.frombuffer(
            bytearray(base64.b64decode(self.pixels)), dtype=torch.uint8
        )
        return data.reshape(self.height, self.width).float() / 255

    def current_kernel(self) -> torch.Tensor:
        """The kernel the controls show, ``[3, 3]``."""
        return torch.tensor(self.kernel, dtype=torch.float32).reshape(3, 3)

    def static_figure(self):
        label = "custom kernel" if self.preset == CUSTOM else self.preset
        return kernel_figure(self.image(), self.current_kernel(), label)

    def describe(self) -> str:
        label = "a custom kernel" if self.preset == CUSTOM else self.preset
        rows = " / ".join(
            " ".join(f"{v:.3g}" for v in row)
            for row in self.current_kernel().tolist()
        )
        return (
            f"{label} ({rows}) applied to a {self.height}×{self.width} "
            f"grayscale photo gives a {self.height - 2}×{self.width - 2} map"
        )


def kernel_explorer(image, kernel: str | Sequence[Sequence[float]] = "Sobel x",
                    title: str | None = None) -> None:
    """Show the kernel explorer for a grayscale ``image [H, W]`` with values in
    [0, 1] (chapter 1): live controls in Jupyter, on Colab and on the website,
    and a figure of the ``kernel`` it starts from where no JavaScript runs.
    Images with a side longer than 160 pixels are shrunk first (see
    :func:`explorer_image`). See :class:`KernelExplorer`."""
    show_explorer(KernelExplorer(image, kernel, title))
