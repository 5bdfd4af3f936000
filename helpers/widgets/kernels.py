"""The kernel explorer of chapter 1: pick or edit a 3x3 kernel and see it
applied to a photograph, in the browser (``kernels.js``)."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import torch
import torch.nn.functional as F
import traitlets

from . import Explorer, front_end

# The explorer's presets (chapter 1), written the way they are applied: row by
# row, not flipped.
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": [[1 / 9] * 3, [1 / 9] * 3, [1 / 9] * 3],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}
CUSTOM = "custom"
# The longest side of the photo the explorer holds: its pixels travel with the
# page, and the browser convolves them at every change.
MAX_SIDE = 160


def explorer_image(image, max_side: int = MAX_SIDE) -> torch.Tensor:
    """``image [H, W]`` (values in [0, 1]) as the explorer holds it: shrunk
    by a whole factor (the mean of each block of pixels) until no side is
    longer than ``max_side``, then rounded to 8 bits, as a photo's pixels
    are."""
    x = torch.as_tensor(image, dtype=torch.float32)
    if x.dim() != 2 or min(x.shape) < 3:
        raise ValueError("expected a grayscale image [H, W] of at least 3x3, "
                         f"got shape {list(x.shape)}")
    factor = -(-max(x.shape) // max_side)  # ceil
    if factor > 1:
        x = F.avg_pool2d(x[None, None], factor)[0, 0]
    return (x.clamp(0, 1) * 255).round() / 255


class KernelExplorer(Explorer):
    """A preset menu and a 3x3 grid of editable numbers; the front end
    cross-correlates the photo with the kernel, as ``nn.Conv2d`` does, and
    shows the result (chapter 1)."""

    title = "3x3 kernels on a photograph"
    about = ("pick one of the preset kernels (identity, box blur, sharpen, "
             "Sobel x and y, Laplacian) or type nine numbers of your own, and "
             "see the kernel applied to a photograph.")
    _esm = front_end("kernels")
    #: the nine numbers of the kernel, row by row
    kernel = traitlets.List(traitlets.Float()).tag(sync=True)
    #: the preset's name, or ``'custom'``
    preset = traitlets.Unicode(CUSTOM).tag(sync=True)
    #: every preset's nine numbers, by name
    presets = traitlets.Dict().tag(sync=True)
    #: the photo's size, and its 8-bit pixels, row by row, base64
    height = traitlets.Int().tag(sync=True)
    width = traitlets.Int().tag(sync=True)
    pixels = traitlets.Unicode().tag(sync=True)

    def __init__(self, image,
                 kernel: str | Sequence[Sequence[float]] = "Sobel x"):
        if isinstance(kernel, str) and kernel not in KERNELS:
            raise ValueError(f"unknown kernel {kernel!r}; the presets are "
                             f"{', '.join(KERNELS)}")
        numbers = torch.tensor(KERNELS[kernel] if isinstance(kernel, str)
                               else kernel, dtype=torch.float32)
        if numbers.shape != (3, 3):
            raise ValueError("expected a 3x3 kernel, got shape "
                             f"{list(numbers.shape)}")
        x = explorer_image(image)
        super().__init__(
            kernel=numbers.flatten().tolist(),
            preset=kernel if isinstance(kernel, str) else CUSTOM,
            presets={name: torch.tensor(k, dtype=torch.float32).flatten()
                     .tolist() for name, k in KERNELS.items()},
            height=x.shape[0], width=x.shape[1],
            pixels=base64.b64encode((x * 255).round().to(torch.uint8)
                                    .numpy().tobytes()).decode("ascii"))


def kernel_explorer(image,
                    kernel: str | Sequence[Sequence[float]] = "Sobel x"
                    ) -> KernelExplorer:
    """The kernel explorer for a grayscale ``image [H, W]`` with values
    in [0, 1], starting from ``kernel`` (chapter 1); images with a side longer
    than 160 pixels are shrunk first (:func:`explorer_image`)."""
    return KernelExplorer(image, kernel)
