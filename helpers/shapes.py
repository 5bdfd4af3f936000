"""Shape arithmetic for convolution and pooling layers, and a layer-by-layer
shape trace.

``conv_output_size`` and ``pool_output_size`` are introduced in chapter 2
(pooling in chapter 3), ``trace_shapes`` in chapter 1. They compute exactly
what ``nn.Conv*d`` and ``nn.MaxPool*d`` / ``nn.AvgPool*d`` compute, and refuse
what PyTorch refuses: a wrong type is a ``TypeError``, a value PyTorch rejects
a ``ValueError``, each naming the argument. Sizes are one int per spatial
dimension (1 to 3 of them), or a single int for all of them.

Chapter 2 also takes the arithmetic apart: :func:`coverage` counts how often
each input value is read, :func:`output_size_report` puts the formula's working
beside PyTorch's own answer (:func:`pytorch_output_size`), and
``padding='full'`` (``D*(F - 1)`` zeros on each side, which PyTorch does not
name) is understood by these three.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

import numpy as np
import torch
from torch import nn

Size = Union[int, Sequence[int]]
Padding = Union[int, Sequence[int], str]


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _ndim(size: Size) -> int:
    """How many spatial dimensions ``size`` describes: 1 for an int, else its
    number of entries (1 to 3)."""
    if _is_int(size):
        return 1
    if not isinstance(size, (tuple, list)) or not all(
        _is_int(w) for w in size
    ):
        raise TypeError(
            f"size must be an int or a tuple of ints, got {size!r}"
        )
    if not 1 <= len(size) <= 3:
        raise ValueError(
            "size must be an int or 1 to 3 ints (PyTorch's layers are 1D, 2D "
            f"or 3D), got {size!r}"
        )
    return len(size)


def _per_dim(name: str, value: Size, ndim: int,
             least: int = 1) -> tuple[int, ...]:
    """``value`` as ``ndim`` ints, each at least ``least``; an error naming
    ``name`` otherwise."""
    if _is_int(value):
        values = (int(value),) * ndim
    elif isinstance(value, (tuple, list)) and all(_is_int(v) for v in value):
        values = tuple(int(v) for v in value)
        if len(values) != ndim:
            raise ValueError(
                f"{name} must be an int or {ndim} int(s), one per dimension "
                f"of the input, got {value!r}"
            )
    else:
        raise TypeError(
            f"{name} must be an int or a tuple of ints, got {value!r}"
        )
    if min(values) < least:
        raise ValueError(
            f"{name} must be {'positive' if least else 'non-negative'}, got "
            f"{value!r}"
        )
    return values


def _result(values: Sequence[int], size: Size) -> Size:
    """Ints in, an int out; tuples in, a tuple out."""
    return values[0] if _is_int(size) else tuple(values)


@dataclass(frozen=True)
class _Axis:
    """One spatial dimension of a convolution: input length, kernel taps,
    stride, dilation and the zeros on each side."""

    size: int
    kernel: int
    stride: int
    dilation: int
    left: int
    right: int

    @property
    def span(self) -> int:
        # cells from a window's first tap to its last
        return self.dilation * (self.kernel - 1) + 1

    @property
    def padded(self) -> int:
        return self.left + self.size + self.right

    @property
    def windows(self) -> int:
        return max(0, (self.padded - self.span) // self.stride + 1)

    def taps(self, j: int) -> list[int]:
        """The cells of the padded input that window ``j`` reads."""
        return [
            j * self.stride + t * self.dilation for t in range(self.kernel)
        ]

    def count(self) -> np.ndarray:
        """How many taps read each input value."""
        count = np.zeros(self.size, dtype=int)
        for j in range(self.windows):
            for q in self.taps(j):
                if self.left <= q < self.left + self.size:
                    count[q - self.left] += 1
        return count


def _axes(size: Size, kernel_size: Size, stride: Size = 1,
          padding: Padding = 0, dilation: Size = 1) -> list[_Axis]:
    """One :class:`_Axis` per dimension. Checks types and signs only: a kernel
    that does not fit, or ``'same'`` with a stride, gives axes with no windows
    or uneven padding, for drawing."""
    ndim = _ndim(size)
    sizes = _per_dim("size", size, ndim)
    kernels = _per_dim("kernel_size", kernel_size, ndim)
    strides = _per_dim("stride", stride, ndim)
    dilations = _per_dim("dilation", dilation, ndim)
    # zeros that make a window fit everywhere
    totals = [d * (k - 1) for k, d in zip(kernels, dilations)]
    # PyTorch puts the odd zero of an odd total on the right (bottom)
    if padding == "same":
        pads = [(t // 2, t - t // 2) for t in totals]
    elif padding == "full":
        pads = [(t, t) for t in totals]
    elif padding == "valid":
        pads = [(0, 0)] * ndim
    elif isinstance(padding, str):
        raise ValueError(
            "padding must be an int, a tuple of ints, 'valid', 'same' or "
            f"'full', got {padding!r}"
        )
    else:
        pads = [(p, p) for p in _per_dim("padding", padding, ndim, least=0)]
    return [
        _Axis(w, k, s, d, left, right)
        for w, k, s, d, (left, right) in zip(
            sizes, kernels, strides, dilations, pads
        )
    ]


def conv_output_size(size: Size, kernel_size: Size, stride: Size = 1,
                     padding: Padding = 0, dilation: Size = 1) -> Size:
    """Output length of a convolution along each spatial dimension (chapter 2).

    ``o = floor((W + 2P - D*(F - 1) - 1) / S) + 1``, which is ``floor((W - F +
    2P) / S) + 1`` when D = 1. ``padding`` may be an int, one int per
    dimension, ``'valid'`` (no padding) or ``'same'`` (output as large as the
    input; PyTorch allows it only with stride 1). Ints in give an int out,
    tuples a tuple.

    >>> conv_output_size(32, 5)
    28
    >>> conv_output_size((7, 7), 3, stride=2, padding=1)
    (4, 4)
    """
    if isinstance(padding, str) and padding not in ("valid", "same"):
        raise ValueError(
            "padding must be an int, a tuple of ints, 'valid' or 'same', got "
            f"{padding!r}"
        )
    axes = _axes(size, kernel_size, stride, padding, dilation)
    if padding == "same" and any(a.stride != 1 for a in axes):
        raise ValueError(
            f"padding='same' needs stride 1, got stride={stride!r}"
        )
    for a in axes:
        if a.padded < a.span:
            raise ValueError(
                f"the kernel does not fit: padded input size {a.padded} is "
                f"smaller than the kernel's span {a.span} "
                f"(kernel_size={a.kernel}, dilation={a.dilation}); PyTorch "
                "refuses this layer"
            )
    return _result([a.windows for a in axes], size)


def pool_output_size(size: Size, kernel_size: Size, stride: Size | None = None,
                     padding: Size = 0, dilation: Size = 1,
                     ceil_mode: bool = False) -> Size:
    """Output length of max or average pooling along each spatial dimension
    (chapter 3).

    ``o = floor((W + 2P - D*(F - 1) - 1) / S) + 1``, or with ``ceil`` when
    ``ceil_mode=True``; in ceil mode a last window that would start beyond the
    input and its left padding is dropped, as PyTorch does. ``stride`` defaults
    to ``kernel_size``. As in PyTorch, ``padding`` may be at most half of
    ``kernel_size``, whatever the dilation. Average pooling has no dilation:
    leave it at 1.

    >>> pool_output_size(28, 2)
    14
    >>> pool_output_size(5, 2, ceil_mode=True)
    3
    """
    ndim = _ndim(size)
    sizes = _per_dim("size", size, ndim)
    kernels = _per_dim("kernel_size", kernel_size, ndim)
    strides = kernels if stride is None else _per_dim("stride", stride, ndim)
    pads = _per_dim("padding", padding, ndim, least=0)
    dilations = _per_dim("dilation", dilation, ndim)
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be True or False, got {ceil_mode!r}")
    out = []
    for w, k, s, p, d in zip(sizes, kernels, strides, pads, dilations):
        if p > k // 2:
            raise ValueError(
                "padding must be at most half of kernel_size (PyTorch's "
                f"rule, whatever the dilation), got padding={p} for "
                f"kernel_size={k}"
            )
        span = d * (k - 1) + 1
        o = (w + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= w + p:
            # the last window must start inside the input (or its left padding)
            o -= 1
        if o < 1:
            raise ValueError(
                f"the window does not fit: size {w} with padding {p} gives "
                f"{o} outputs for kernel_size={k}, stride={s}, dilation={d}; "
                "PyTorch refuses this layer"
            )
        out.append(o)
    return _result(out, size)


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    """The padding P that keeps a stride-1 convolution's output as large as its
    input (chapter 2).

    From ``W = W + 2P - D*(F - 1)`` follows ``P = D*(F - 1) / 2``: an integer
    only when ``D*(F - 1)`` is even (an odd kernel, or an even dilation).
    Otherwise there is no symmetric answer, and ``padding='same'`` pads one
    more zero on the right.

    >>> same_padding(3), same_padding(3, dilation=2), same_padding(2, 2)
    (1, 2, 1)
    """
    (kernel,), (dil,) = (
        _per_dim("kernel_size", kernel_size, 1),
        _per_dim("dilation", dilation, 1),
    )
    total = dil * (kernel - 1)
    if total % 2:
        raise ValueError(
            "no symmetric padding keeps the size for "
            f"kernel_size={kernel_size}, dilation={dilation}: the total "
            f"padding needed, {total}, is odd (use padding='same', which pads "
            "unevenly)"
        )
    return total // 2


def _torch_padding(size: Size, kernel_size: Size, padding: Padding,
                   dilation: Size) -> Padding:
    """``padding`` as PyTorch takes it: ``'full'`` becomes ``D*(F - 1)`` per
    dimension."""
    if padding != "full":
        return padding
    return _result(
        [a.left for a in _axes(size, kernel_size, 1, padding, dilation)], size
    )


def pytorch_output_size(size: Size, kernel_size: Size, stride: Size = 1,
                        padding: Padding = 0, dilation: Size = 1) -> Size:
    """The output size PyTorch's own ``nn.Conv1d`` / ``nn.Conv2d`` /
    ``nn.Conv3d`` gives (chapter 2).

    Builds the layer (one channel in and out) and runs a zero input of ``size``
    through it, so parameters PyTorch refuses raise PyTorch's own error. The
    global random state is left untouched.
    """
    sizes = (size,) if _is_int(size) else tuple(size)
    layer_class = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[_ndim(size) - 1]
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        # e.g. 'same' with an even kernel warns that it copies the input
        warnings.simplefilter("ignore")
        layer = layer_class(
            1,
            1,
            kernel_size,
            stride=stride,
            dilation=dilation,
            bias=False,
            padding=_torch_padding(size, kernel_size, padding, dilation),
        )
        with torch.no_grad():
            shape = tuple(layer(torch.zeros(1, 1, *sizes)).shape[2:])
    return _result(shape, size)


def pytorch_refusal(size: Size, kernel_size: Size, stride: Size = 1,
                    padding: Padding = 0, dilation: Size = 1) -> str | None:
    """PyTorch's error for these parameters as ``'Type: first line'``, or None
    where it accepts them (chapter 2)."""
    try:
        pytorch_output_size(size, kernel_size, stride, padding, dilation)
    except (ValueError, TypeError, RuntimeError) as err:
        return f"{type(err).__name__}: {str(err).splitlines()[0]}"
    return None


def coverage(size: Size, kernel_size: Size, stride: Size = 1,
             padding: Padding = 0, dilation: Size = 1) -> np.ndarray:
    """How many kernel taps read each input value, shaped like the input
    (chapter 2).

    0 marks values no window reaches (the stride does not divide, or dilation
    steps over them). With a kernel of ones, this is the gradient of the
    output's sum with respect to the input.
    """
    counts = [
        axis.count()
        for axis in _axes(size, kernel_size, stride, padding, dilation)
    ]
    result = counts[0]
    for count in counts[1:]:  # the windows form a grid, so the counts multiply
        result = np.multiply.outer(result, count)
    return result


def _formula_line(axis: _Axis) -> str:
    pads = (
        f"2·{axis.left}"
        if axis.left == axis.right
        else f"{axis.left} + {axis.right}"
    )
    return (
        f"⌊({axis.size} + {pads} − {axis.dilation}·({axis.kernel} − 1) − "
        f"1)/{axis.stride}⌋ + 1 = ⌊{axis.padded - axis.span}/{axis.stride}⌋ + "
        f"1 = {axis.windows}"
    )


def output_size_report(size: Size, kernel_size: Size, stride: Size = 1,
                       padding: Padding = 0, dilation: Size = 1) -> str:
    """The output size by the formula, with its arithmetic, and by PyTorch, as
    text (chapter 2).

    Where PyTorch refuses the parameters the report says so and gives both
    errors: PyTorch's and the one of :func:`conv_output_size`.
    """
    refusal = pytorch_refusal(size, kernel_size, stride, padding, dilation)
    if refusal is not None:
        try:
            conv_output_size(
                size,
                kernel_size,
                stride,
                _torch_padding(size, kernel_size, padding, dilation),
                dilation,
            )
            ours = "conv_output_size: no error"
        except (ValueError, TypeError) as err:
            ours = f"conv_output_size: {type(err).__name__}: {err}"
        return f"PyTorch refuses these parameters.\nPyTorch: {refusal}\n{ours}"
    axes = _axes(size, kernel_size, stride, padding, dilation)
    by_formula = _result([a.windows for a in axes], size)
    by_torch = pytorch_output_size(
        size, kernel_size, stride, padding, dilation
    )
    names = {
        1: ["length"],
        2: ["height", "width"],
        3: ["depth", "height", "width"],
    }[len(axes)]
    lines = [
        f"{name}: {_formula_line(axis)}" for name, axis in zip(names, axes)
    ]
    lines.append(
        f"PyTorch: {by_torch} "
        f"({'agrees' if by_torch == by_formula else 'DISAGREES'})"
    )
    return "\n".join(lines)


@dataclass
class LayerShape:
    """One row of :func:`trace_shapes`: a leaf module, its output shape and its
    parameter count."""

    name: str
    layer: str
    output_shape: tuple[int, ...]
    params: int


def trace_shapes(model: nn.Module, input_shape: Sequence[int], *,
                 show: bool = True,
                 device: torch.device | str | None = None) -> list[LayerShape]:
    """Run a zero tensor of ``input_shape`` (batch first, e.g. ``(1, 3, 32,
    32)``) through ``model`` and record every leaf layer's output shape and
    parameter count (chapter 1).

    The model runs in eval mode under ``torch.no_grad()`` and its mode is
    restored afterwards. If a layer cannot take the shape it is given, a
    ``ValueError`` names that layer and the shape it received. Prints a table
    unless ``show=False``; returns the rows.
    """
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s < 1 for s in shape):
        raise ValueError(
            "input_shape must be positive sizes with the batch first, got "
            f"{tuple(input_shape)!r}"
        )
    if device is None:
        device = next(
            (p.device for p in model.parameters()), torch.device("cpu")
        )
    rows: list[LayerShape] = []
    current: list[tuple[str, tuple[int, ...]]] = []
    leaves = [
        (name, m)
        for name, m in model.named_modules()
        if not list(m.children())
    ]

    def pre_hook(name):
        def hook(module, args):
            current.append(
                (
                    name,
                    tuple(args[0].shape)
                    if args and torch.is_tensor(args[0])
                    else (),
                )
            )

        return hook

    def post_hook(name):
        def hook(module, args, output):
            out_shape = tuple(output.shape) if torch.is_tensor(output) else ()
            rows.append(
                LayerShape(
                    name,
                    type(module).__name__,
                    out_shape,
                    sum(p.numel() for p in module.parameters(recurse=False)),
                )
            )

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
        where = (
            f"layer '{current[-1][0]}' given shape {list(current[-1][1])}"
            if current
            else "the model"
        )
        raise ValueError(
            f"input shape {list(shape)} does not fit {where}: {err}".split(
                "\n"
            )[0]
        ) from err
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if show:
        print_shapes(rows, shape)
    return rows


def print_shapes(rows: list[LayerShape], input_shape: Sequence[int]) -> None:
    """Print the rows of :func:`trace_shapes` as a table, with the total
    parameter count."""
    width = max([len("layer")] + [len(f"{r.name} ({r.layer})") for r in rows])
    print(f"{'layer':<{width}}  {'output shape':<20} {'params':>10}")
    print(f"{'input':<{width}}  {str(list(input_shape)):<20} {'':>10}")
    for r in rows:
        print(
            f"{r.name + ' (' + r.layer + ')':<{width}}  "
            f"{str(list(r.output_shape)):<20} {r.params:>10,}"
        )
    print(f"{'total':<{width}}  {'':<20} {sum(r.params for r in rows):>10,}")


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` numbers of parameters of ``model`` (chapter 1;
    used again in chapter 6)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total
