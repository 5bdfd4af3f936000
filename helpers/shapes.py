"""Output sizes of convolution and pooling (chapters 2-3), and a shape trace
(chapter 1). A size is an int, or one per dimension: ints in, an int out.
:func:`coverage`, :func:`output_size_report` and :func:`pytorch_output_size`
also take ``padding='full'``, ``D*(F - 1)`` zeros on each side.
"""

import numbers
import warnings
from collections import namedtuple
from functools import partial

import numpy as np
import torch
from torch import nn

# One spatial dimension: input size, kernel taps, stride, dilation, zeros left
# and right, a window's first to last tap, the padded size, number of windows.
_Axis = namedtuple(
    "_Axis", "size kernel stride dilation left right span padded windows"
)

# What PyTorch's layers refuse once the arguments are read: (the layers, the
# test on one dimension, why), checked in this order.
RULES = [
    ({"conv"}, lambda a, padding: padding == "full",
     "padding='full' is not PyTorch's: give its D*(F - 1) zeros as ints"),
    ({"conv"}, lambda a, padding: padding == "same" and a.stride != 1,
     "padding='same' needs stride 1, got stride={a.stride}"),
    ({"pool"}, lambda a, padding: isinstance(padding, str),
     "pooling takes padding as ints, got padding={padding!r}"),
    ({"pool"}, lambda a, padding: a.left > a.kernel // 2,
     "padding must be at most half of kernel_size (PyTorch's rule, whatever "
     "the dilation), got padding={a.left} for kernel_size={a.kernel}"),
    ({"conv", "pool"}, lambda a, padding: a.windows < 1,
     "the kernel does not fit: padded input size {a.padded} is smaller than "
     "the kernel's span {a.span} (kernel_size={a.kernel}, dilation="
     "{a.dilation}); PyTorch refuses this layer"),
]  # fmt: skip


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _like(size, values):
    return values[0] if _is_int(size) else tuple(values)


def _ndim(size) -> int:
    ndim = len(size) if isinstance(size, (tuple, list)) else 1
    if not 1 <= ndim <= 3:  # PyTorch has Conv1d to Conv3d
        raise ValueError(f"size must be an int or 1 to 3 ints, got {size!r}")
    return ndim


def _read(name: str, value, ndim: int, least: int = 1) -> tuple[int, ...]:
    """The argument reader: an int, or one per dimension, as ``ndim`` ints."""
    values = (value,) * ndim if _is_int(value) else value
    if not isinstance(values, (tuple, list)) or not all(map(_is_int, values)):
        raise TypeError(f"{name} must be an int or ints, got {value!r}")
    if len(values) != ndim:
        raise ValueError(f"{name} needs {ndim} int(s), got {value!r}")
    if min(values) < least:
        sign = "positive" if least else "non-negative"
        raise ValueError(f"{name} must be {sign}, got {value!r}")
    return tuple(int(v) for v in values)


def _axes(size, kernel_size, stride=1, padding=0, dilation=1, ceil=False):
    """One :class:`_Axis` per dimension; refuses only what cannot be read,
    so that a layer PyTorch refuses can still be drawn."""
    n = _ndim(size)
    sizes = _read("size", size, n)
    kernels = _read("kernel_size", kernel_size, n)
    strides, dils = _read("stride", stride, n), _read("dilation", dilation, n)
    full = [d * (k - 1) for k, d in zip(kernels, dils)]
    if not isinstance(padding, str):
        pads = [(p, p) for p in _read("padding", padding, n, least=0)]
    elif padding in ("valid", "full"):
        pads = [(t, t) if padding == "full" else (0, 0) for t in full]
    elif padding == "same":  # the odd zero on the right, as in PyTorch
        pads = [(t // 2, t - t // 2) for t in full]
    else:
        raise ValueError(f"padding must be ints or a word, got {padding!r}")
    axes = []
    for w, k, s, d, (left, right) in zip(sizes, kernels, strides, dils, pads):
        span, padded = d * (k - 1) + 1, left + w + right
        last = (padded - span + (s - 1 if ceil else 0)) // s  # its index
        if ceil and last * s >= left + w:  # PyTorch's rule: a last window
            last -= 1  # must start in the input or in its left padding
        axes.append(_Axis(w, k, s, d, left, right, span, padded, last + 1))
    return axes


def _output_size(kind: str, size, padding, axes: list):
    """The windows along each axis, unless a rule for ``kind`` refuses."""
    for layers, broken, why in RULES:
        for a in axes:
            if kind in layers and broken(a, padding):
                raise ValueError(why.format(a=a, padding=padding))
    return _like(size, [a.windows for a in axes])


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output size of a convolution (chapter 2), ``floor((W + 2P - D*(F - 1)
    - 1) / S) + 1`` along each dimension; ``padding`` may also be ``'valid'``
    or ``'same'``. Refuses what PyTorch refuses: a wrong type with a
    ``TypeError``, a wrong value with a ``ValueError`` that says why.

    >>> conv_output_size(32, 5), conv_output_size((7, 7), 3, 2, padding=1)
    (28, (4, 4))
    """
    axes = _axes(size, kernel_size, stride, padding, dilation)
    return _output_size("conv", size, padding, axes)


def pool_output_size(
    size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False
):
    """Output size of max or average pooling (chapter 3): as a convolution's,
    rounded up if ``ceil_mode=True`` (but a last window must start in the
    input or its left padding). ``stride`` defaults to ``kernel_size``;
    ``padding`` may be at most half of ``kernel_size``, whatever the dilation.

    >>> pool_output_size(28, 2), pool_output_size(5, 2, ceil_mode=True)
    (14, 3)
    """
    if not isinstance(ceil_mode, bool):
        raise TypeError(f"ceil_mode must be True or False, got {ceil_mode!r}")
    stride = kernel_size if stride is None else stride
    axes = _axes(size, kernel_size, stride, padding, dilation, ceil_mode)
    return _output_size("pool", size, padding, axes)


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    """The padding ``D*(F - 1) / 2`` that keeps a stride-1 convolution's size
    (chapter 2), refused where it is not an integer.

    >>> same_padding(3), same_padding(3, dilation=2), same_padding(2, 2)
    (1, 2, 1)
    """
    total = _axes(1, kernel_size, 1, "full", dilation)[0].left  # D*(F - 1)
    if total % 2:
        why = f"D*(F - 1) = {dilation}*({kernel_size} - 1) = {total} is odd"
        why += " (padding='same' pads unevenly)"
        raise ValueError(f"no symmetric padding keeps the size: {why}")
    return total // 2


def pytorch_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """The output size of PyTorch's own ``nn.Conv1d``, ``2d`` or ``3d``, or
    its error (chapter 2). The global random state is left untouched."""
    if padding == "full":
        axes = _axes(size, kernel_size, 1, padding, dilation)
        padding = _like(size, [a.left for a in axes])
    shape = [size] if _is_int(size) else list(size)
    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[_ndim(size) - 1]
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. 'same' with an even kernel
        layer = conv(1, 1, kernel_size, stride, padding, dilation, bias=False)
        return _like(size, layer(torch.zeros(1, 1, *shape)).shape[2:])


def coverage(size, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """How many kernel taps read each input value, shaped like the input: the
    gradient of the output's sum for a kernel of ones (chapter 2)."""
    result = np.ones((), dtype=int)
    for a in _axes(size, kernel_size, stride, padding, dilation):
        starts = np.arange(a.windows)[:, None] * a.stride
        taps = starts + np.arange(0, a.span, a.dilation)  # window by window
        count = np.bincount(taps.ravel(), minlength=a.padded)
        # the windows form a grid, so the counts multiply
        result = np.multiply.outer(result, count[a.left : a.left + a.size])
    return result


def output_size_report(size, kernel_size, stride=1, padding=0, dilation=1):
    """The output size by the formula, worked out, and by PyTorch (chapter 2);
    where PyTorch refuses, its error and :func:`conv_output_size`'s."""
    args = size, kernel_size, stride, padding, dilation
    try:
        by_torch = pytorch_output_size(*args)
    except (ValueError, TypeError, RuntimeError) as err:
        refusal = f"{type(err).__name__}: {str(err).splitlines()[0]}"
        try:
            ours = f"no error, {conv_output_size(*args)}"
        except (ValueError, TypeError) as err:
            ours = f"{type(err).__name__}: {err}"
        lines = ["PyTorch refuses these parameters.", f"PyTorch: {refusal}"]
        return "\n".join(lines + [f"conv_output_size: {ours}"])
    axes, lines = _axes(*args), []
    names = ["length"] if len(axes) == 1 else ["depth", "height", "width"]
    for name, a in zip(names[-len(axes) :], axes):
        pads = f"2·{a.left}" if a.left == a.right else f"{a.left} + {a.right}"
        lines.append(
            f"{name}: ⌊({a.size} + {pads} − {a.dilation}·({a.kernel} − 1) − 1)"
            f"/{a.stride}⌋ + 1 = ⌊{a.padded - a.span}/{a.stride}⌋ + 1 = "
            f"{a.windows}"
        )
    agree = by_torch == _like(size, [a.windows for a in axes])
    lines.append(f"PyTorch: {by_torch} ({'agrees' if agree else 'DISAGREES'})")
    return "\n".join(lines)


#: A row of :func:`trace_shapes`, a layer with its class, output, parameters.
LayerShape = namedtuple("LayerShape", "name layer output_shape params")


def trace_shapes(model: nn.Module, input_shape, *, show: bool = True):
    """Run zeros of ``input_shape`` (batch first) through ``model`` in eval
    mode; return and print (unless ``show=False``) a :class:`LayerShape` for
    each layer however deeply nested, and each block with parameters of its own
    (chapter 1). A layer that cannot take its input is named in a ValueError.
    """
    rows, running = [], []  # running: the layers entered and not yet left

    def enter(name, module, args):
        shape = list(getattr(args[0] if args else None, "shape", []))
        running.append(f"layer '{name}' given shape {shape}")

    def leave(name, module, args, output):
        running.pop()
        params = sum(p.numel() for p in module.parameters(recurse=False))
        shape = tuple(getattr(output, "shape", ()))
        rows.append(LayerShape(name, type(module).__name__, shape, params))

    hooks = []
    for name, m in model.named_modules():
        if not list(m.children()) or list(m.parameters(recurse=False)):
            hooks.append(m.register_forward_pre_hook(partial(enter, name)))
            hooks.append(m.register_forward_hook(partial(leave, name)))
    device = next((p.device for p in model.parameters()), None)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(tuple(input_shape), device=device))
    except RuntimeError as err:
        where = running[-1] if running else "the model"
        text = f"input shape {list(input_shape)} does not fit {where}: {err}"
        raise ValueError(text.splitlines()[0]) from err
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    if show:
        labels = [f"{r.name} ({r.layer})" for r in rows]
        width = max(map(len, ["layer", *labels]))
        line = partial("{:<{w}}  {!s:<20} {:>10}".format, w=width)
        print(line("layer", "output shape", "params"))
        print(line("input", list(input_shape), ""))
        for label, r in zip(labels, rows):
            print(line(label, list(r.output_shape), f"{r.params:,}"))
        print(line("total", "", f"{sum(r.params for r in rows):,}"))
    return rows


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` parameter counts of ``model`` (chapter 1)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total
