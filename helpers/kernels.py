"""Hand-made 3x3 kernels and what they do to a grayscale image (chapter 1).

``KERNELS`` are the presets (written the way they are applied: row by row, not
flipped), ``as_kernel`` turns a preset's name or numbers into a tensor, and
``apply_kernel`` is the cross-correlation ``nn.Conv2d`` computes, without
padding. Chapter 1 writes that computation by hand before using these.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

KERNELS: dict[str, list[list[float]]] = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": [[1 / 9] * 3, [1 / 9] * 3, [1 / 9] * 3],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}


def as_kernel(
    kernel: str | Sequence[Sequence[float]] | torch.Tensor,
) -> torch.Tensor:
    """A preset's name, nested lists or a tensor as a float32 tensor ``[3, 3]``
    (chapter 1)."""
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(
                f"unknown kernel {kernel!r}; the presets are "
                f"{', '.join(KERNELS)}"
            )
        kernel = KERNELS[kernel]
    k = torch.as_tensor(kernel, dtype=torch.float32)
    if k.shape != (3, 3):
        raise ValueError(f"expected a 3x3 kernel, got shape {list(k.shape)}")
    return k


def apply_kernel(image, kernel) -> torch.Tensor:
    """Cross-correlate a grayscale ``image [H, W]`` with a 3x3 ``kernel`` (a
    preset's name or numbers), without padding, as ``nn.Conv2d`` does: the
    result is ``[H - 2, W - 2]`` (chapter 1).

    >>> apply_kernel(torch.arange(16.).reshape(4, 4), "identity")
    tensor([[ 5.,  6.],
            [ 9., 10.]])
    """
    x = torch.as_tensor(image, dtype=torch.float32)
    if x.dim() != 2 or min(x.shape) < 3:
        raise ValueError(
            "expected a grayscale image [H, W] of at least 3x3, got shape "
            f"{list(x.shape)}"
        )
    return F.conv2d(x[None, None], as_kernel(kernel)[None, None])[0, 0]
