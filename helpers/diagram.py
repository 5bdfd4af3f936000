"""A drawing of a network's architecture, made from the model itself
(chapter 4; used again in chapter 6).

:func:`draw_architecture` runs :func:`helpers.shapes.trace_shapes` and draws
one box per convolution, pooling and linear layer, sized by what the layer
outputs, so the picture cannot disagree with the code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle
from torch import nn

from .shapes import trace_shapes

#: Layers that get a box; activations, normalisation, dropout and flatten
#: are folded into the box before them.
DRAWN = (nn.Conv1d, nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d,
         nn.AdaptiveAvgPool2d, nn.Linear)
COLORS = {"Conv": "#6baed6", "Pool": "#fd8d3c", "Line": "#74c476",
          "input": "#d9d9d9"}


def _label(layer: nn.Module) -> str:
    if isinstance(layer, nn.Conv2d):
        k = layer.kernel_size
        return f"conv {k[0]}×{k[1]}"
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        kind = "max" if isinstance(layer, nn.MaxPool2d) else "avg"
        k = layer.kernel_size
        return f"{kind}-pool {k if isinstance(k, int) else k[0]}"
    if isinstance(layer, nn.AdaptiveAvgPool2d):
        return "adaptive avg"
    return "linear"


def _shape_text(shape: Sequence[int]) -> str:
    return (f"{shape[0]}\n{shape[1]}×{shape[2]}" if len(shape) == 3
            else f"{shape[0]}")


def draw_architecture(model: nn.Module, input_shape: Sequence[int],
                      title: str | None = None):
    """Draw ``model`` as a row of boxes, one per convolution, pooling and
    linear layer, each labelled with its output (channels and height×width,
    or features). ``input_shape`` has the batch first, e.g. ``(1, 1, 28, 28)``.
    Box heights grow with the spatial size, widths with the channels.
    Returns the Figure.
    """
    rows = trace_shapes(model, input_shape, show=False)
    modules = dict(model.named_modules())
    stages = [("input", tuple(input_shape[1:]), "input")]
    for row in rows:
        layer = modules[row.name]
        if isinstance(layer, DRAWN):
            kind = type(layer).__name__
            key = "Conv" if "Conv" in kind else "Pool" if "Pool" in kind \
                else "Line"
            stages.append((_label(layer), tuple(row.output_shape[1:]), key))
    if len(stages) < 2:
        raise ValueError("the model has no convolution, pooling or linear "
                         "layer to draw")
    biggest = max(s[1][-1] for s in stages if len(s[1]) == 3) \
        if any(len(s[1]) == 3 for s in stages) else 1
    fig, ax = plt.subplots(figsize=(max(6.0, 0.95 * len(stages)), 3.4))
    x = 0.0
    for i, (name, shape, key) in enumerate(stages):
        if len(shape) == 3:  # feature maps: [C, H, W]
            height = 0.6 + 2.2 * math.sqrt(shape[1] / biggest)
        else:  # a vector of features
            height = 0.4 + 0.35 * math.log10(max(shape[0], 1))
        width = 0.18 + 0.07 * math.log2(max(shape[0], 1))
        ax.add_patch(Rectangle((x, -height / 2), width, height,
                               facecolor=COLORS[key], edgecolor="black",
                               linewidth=0.8))
        ax.text(x + width / 2, height / 2 + 0.12, name, ha="center",
                va="bottom", fontsize=10, rotation=30 if
                len(stages) > 12 else 0)
        ax.text(x + width / 2, -height / 2 - 0.12, _shape_text(shape),
                ha="center", va="top", fontsize=10)
        if i:
            ax.add_patch(FancyArrowPatch((x - 0.33, 0), (x - 0.03, 0),
                                         arrowstyle="->", mutation_scale=10))
        x += width + 0.38
    ax.set_xlim(-0.2, x - 0.2)
    ax.set_ylim(-2.6, 2.4)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=12)
    fig.tight_layout()
    return fig
