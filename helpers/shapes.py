"""Shape arithmetic for convolution and pooling layers, and a layer-by-layer shape trace.

``conv_output_size`` and ``pool_output_size`` are introduced in chapter 2, ``trace_shapes`` in chapter 1.
They compute exactly what ``nn.Conv*d`` and ``nn.MaxPool*d`` / ``nn.AvgPool*d`` compute, and raise
``ValueError`` wherever PyTorch would refuse the layer or the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

import torch
from torch import nn

Size = Union[int, Sequence[int]]


def _per_dim(name: str, value: Size, ndim: int) -> tuple[int, ...]:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * ndim
    values = tuple(value)
    if len(values) != ndim or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{name} must be an int or {ndim} ints (one per dimension), got {value!r}")
    return values


def _ndim(*values: Size | str | None) -> int:
    lengths = {len(tuple(v)) for v in values if v is not None and not isinstance(v, (int, str))}
    if len(lengths) > 1:
        raise ValueError(f"per-dimension arguments disagree on the number of dimensions: {values}")
    return lengths.pop() if lengths else 1


def _result(values: list[int], size: Size) -> Size:
    return values[0] if isinstance(size, int) else tuple(values)


def conv_output_size(size: Size, kernel_size: Size, stride: Size = 1, padding: Size | str = 0,
                     dilation: Size = 1) -> Size:
    """Output length of a convolution along each spatial dimension (chapter 2).

    ``o = floor((W + 2P - D*(F - 1) - 1) / S) + 1``, which is ``floor((W - F + 2P) / S) + 1`` when D = 1.
    ``padding`` may be an int, one int per dimension, ``'valid'`` (no padding) or ``'same'`` (output as
    large as the input; PyTorch allows it only with stride 1). Ints in give an int out, tuples a tuple.

    >>> conv_output_size(32, 5)
    28
    >>> conv_output_size((7, 7), 3, stride=2, padding=1)
    (4, 4)
    """
    ndim = _ndim(size, kernel_size, stride, padding, dilation)
    sizes = _per_dim("size", size, ndim)
    kernels = _per_dim("kernel_size", kernel_size, ndim)
    strides = _per_dim("stride", stride, ndim)
    dilations = _per_dim("dilation", dilation, ndim)
    if any(w < 1 for w in sizes):
        raise ValueError(f"input size must be positive, got {size!r}")
    if any(k < 1 for k in kernels):
        raise ValueError(f"kernel_size must be positive, got {kernel_size!r}")
    if any(s < 1 for s in strides):
        raise ValueError(f"non-positive stride is not supported, got stride={stride!r}")
    if any(d < 1 for d in dilations):
        raise ValueError(f"dilation must be positive, got {dilation!r}")
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if padding == "same":
            if any(s != 1 for s in strides):
                raise ValueError("padding='same' is not supported for strided convolutions (stride must be 1)")
            return size if isinstance(size, int) else tuple(sizes)
        pads = (0,) * ndim
    else:
        pads = _per_dim("padding", padding, ndim)
        if any(p < 0 for p in pads):
            raise ValueError(f"negative padding is not supported, got padding={padding!r}")
    out = []
    for w, k, s, p, d in zip(sizes, kernels, strides, pads, dilations):
        span = d * (k - 1) + 1  # how far one window reaches
        if w + 2 * p < span:
            raise ValueError(
                f"the kernel does not fit: padded input size {w + 2 * p} is smaller than the kernel's span "
                f"{span} (kernel_size={k}, dilation={d}); PyTorch refuses this layer")
        out.append((w + 2 * p - span) // s + 1)
    return _result(out, size)


def pool_output_size(size: Size, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                     dilation: Size = 1, ceil_mode: bool = False) -> Size:
    """Output length of max or average pooling along each spatial dimension (chapter 3).

    ``o = floor((W + 2P - D*(F - 1) - 1) / S) + 1``, or with ``ceil`` when ``ceil_mode=True``; in ceil mode
    a last window that would start beyond the input and its left padding is dropped, as PyTorch does.
    ``stride`` defaults to ``kernel_size``; padding may be at most half the (dilated) kernel.

    >>> pool_output_size(28, 2)
    14
    >>> pool_output_size(5, 2, ceil_mode=True)
    3
    """
    ndim = _ndim(size, kernel_size, stride, padding, dilation)
    sizes = _per_dim("size", size, ndim)
    kernels = _per_dim("kernel_size", kernel_size, ndim)
    strides = kernels if stride is None else _per_dim("stride", stride, ndim)
    pads = _per_dim("padding", padding, ndim)
    dilations = _per_dim("dilation", dilation, ndim)
    if any(w < 1 for w in sizes):
        raise ValueError(f"input size must be positive, got {size!r}")
    if any(k < 1 for k in kernels):
        raise ValueError(f"kernel_size should be greater than zero, got {kernel_size!r}")
    if any(s < 1 for s in strides):
        raise ValueError(f"stride should be greater than zero, got {stride!r}")
    if any(d < 1 for d in dilations):
        raise ValueError(f"dilation should be greater than zero, got {dilation!r}")
    if any(p < 0 for p in pads):
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    out = []
    for w, k, s, p, d in zip(sizes, kernels, strides, pads, dilations):
        span = d * (k - 1) + 1
        if 2 * p > span:
            raise ValueError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                             f"kernel_size={k} and dilation={d}")
        o = (w + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= w + p:
            o -= 1  # the last window must start inside the input (or its left padding)
        if o < 1:
            raise ValueError(f"output size is too small: input {w} with padding {p} gives {o} for "
                             f"kernel_size={k}, stride={s}, dilation={d}")
        out.append(o)
    return _result(out, size)


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    """The padding P that keeps a stride-1 convolution's output as large as its input (chapter 2).

    From ``W = W + 2P - D*(F - 1)`` follows ``P = D*(F - 1) / 2``: an integer only when ``D*(F - 1)`` is even
    (odd kernels). For even kernels there is no symmetric answer; ``padding='same'`` then pads one
    more zero on the right.
    """
    if kernel_size < 1 or dilation < 1:
        raise ValueError(f"kernel_size and dilation must be positive, got {kernel_size}, {dilation}")
    total = dilation * (kernel_size - 1)
    if total % 2:
        raise ValueError(f"no symmetric padding keeps the size for kernel_size={kernel_size}, dilation={dilation}: "
                         f"the total padding needed, {total}, is odd (use padding='same', which pads unevenly)")
    return total // 2


@dataclass
class LayerShape:
    """One row of :func:`trace_shapes`: a leaf module, its output shape and its parameter count."""
    name: str
    layer: str
    output_shape: tuple[int, ...]
    params: int


def trace_shapes(model: nn.Module, input_shape: Sequence[int], *, show: bool = True,
                 device: torch.device | str | None = None) -> list[LayerShape]:
    """Run a zero tensor of ``input_shape`` (batch first, e.g. ``(1, 3, 32, 32)``) through ``model``
    and record every leaf layer's output shape and parameter count (chapter 1).

    The model runs in eval mode under ``torch.no_grad()`` and its mode is restored afterwards. If a layer
    cannot take the shape it is given, a ``ValueError`` names that layer and the shape it received.
    Prints a table unless ``show=False``; returns the rows.
    """
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"input_shape must be positive sizes with the batch first, got {tuple(input_shape)!r}")
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    rows: list[LayerShape] = []
    current: list[tuple[str, tuple[int, ...]]] = []
    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children())]

    def pre_hook(name):
        def hook(module, args):
            current.append((name, tuple(args[0].shape) if args and torch.is_tensor(args[0]) else ()))
        return hook

    def post_hook(name):
        def hook(module, args, output):
            out_shape = tuple(output.shape) if torch.is_tensor(output) else ()
            rows.append(LayerShape(name, type(module).__name__, out_shape,
                                   sum(p.numel() for p in module.parameters(recurse=False))))
        return hook

    handles = []
    for name, module in leaves:
        handles.append(module.register_forward_pre_hook(pre_hook(name)))
        handles.append(module.register_forward_hook(post_hook(name)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(shape, device=device))
    except RuntimeError as err:
        where = f"layer '{current[-1][0]}' given shape {list(current[-1][1])}" if current else "the model"
        raise ValueError(f"input shape {list(shape)} does not fit {where}: {err}".split("\n")[0]) from err
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if show:
        print_shapes(rows, shape)
    return rows


def print_shapes(rows: list[LayerShape], input_shape: Sequence[int]) -> None:
    """Print the rows of :func:`trace_shapes` as a table, with the total parameter count."""
    width = max([len("layer")] + [len(f"{r.name} ({r.layer})") for r in rows])
    print(f"{'layer':<{width}}  {'output shape':<20} {'params':>10}")
    print(f"{'input':<{width}}  {str(list(input_shape)):<20} {'':>10}")
    for r in rows:
        print(f"{r.name + ' (' + r.layer + ')':<{width}}  {str(list(r.output_shape)):<20} {r.params:>10,}")
    print(f"{'total':<{width}}  {'':<20} {sum(r.params for r in rows):>10,}")


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` numbers of parameters of ``model`` (chapter 1; used again in chapter 6)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total
