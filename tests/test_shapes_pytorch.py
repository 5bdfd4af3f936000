"""helpers.shapes against PyTorch's own layers: over grids of settings,
accepted and refused, both agree on whether a layer is possible and on its
output size; bad types and spellings get an error naming the argument."""

import itertools
import re
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from helpers.shapes import conv_output_size, pool_output_size

LAYERS = {
    ("conv", 1): nn.Conv1d,
    ("conv", 2): nn.Conv2d,
    ("max", 1): nn.MaxPool1d,
    ("max", 2): nn.MaxPool2d,
    ("avg", 1): nn.AvgPool1d,
    ("avg", 2): nn.AvgPool2d,
}


def pytorch(kind: str, size, **settings):
    """The output size of PyTorch's layer on a zero input of ``size``, or the
    error it raises."""
    ndim = 1 if isinstance(size, int) else len(size)
    shape = (size,) if isinstance(size, int) else size
    layer = LAYERS[kind, ndim]
    try:
        with warnings.catch_warnings():
            # e.g. zero-element weights, 'same' with an even kernel
            warnings.simplefilter("ignore")
            layer = (
                layer(1, 1, **settings)
                if kind == "conv"
                else layer(**settings)
            )
            out = tuple(layer(torch.zeros(1, 1, *shape)).shape[2:])
    except (TypeError, ValueError, RuntimeError) as err:
        return err
    return out[0] if isinstance(size, int) else out


def helpers(kind: str, size, **settings):
    """What helpers.shapes computes for the same layer, or the error it
    raises."""
    try:
        if kind == "conv":
            return conv_output_size(size, **settings)
        return pool_output_size(size, **settings)
    except (TypeError, ValueError) as err:
        return err


def disagreements(kind: str, sizes, grid: dict) -> list:
    """Every combination of ``grid``'s values on which PyTorch and helpers
    disagree."""
    found = []
    for size, values in itertools.product(
        sizes, itertools.product(*grid.values())
    ):
        settings = dict(zip(grid, values))
        theirs, ours = (
            pytorch(kind, size, **settings),
            helpers(kind, size, **settings),
        )
        refused = isinstance(theirs, Exception), isinstance(ours, Exception)
        if refused[0] != refused[1] or (not refused[0] and theirs != ours):
            found.append((size, settings, theirs, ours))
    return found


# Each grid holds accepted and refused values: zero and negative sizes, kernels
# that do not fit,
# padding beyond half the kernel, 'same' with a stride, dilation with and
# without room.
GRIDS = {
    ("conv", 1): (
        [1, 2, 5, 7, 10],
        dict(
            kernel_size=[0, 1, 2, 3, 5],
            stride=[0, 1, 2, 3],
            padding=[-1, 0, 1, 2, "valid", "same"],
            dilation=[0, 1, 2],
        ),
    ),
    ("conv", 2): (
        [(5, 7), (3, 10), (1, 4)],
        dict(
            kernel_size=[1, 2, 3, (2, 3), (3, 1)],
            stride=[1, 2, (1, 2)],
            padding=[0, 1, (1, 0), "valid", "same"],
            dilation=[1, 2, (2, 1)],
        ),
    ),
    ("max", 1): (
        [1, 2, 5, 6, 7, 13],
        dict(
            kernel_size=[0, 1, 2, 3, 4],
            stride=[None, 0, 1, 2, 3],
            padding=[-1, 0, 1, 2],
            dilation=[0, 1, 2, 3],
            ceil_mode=[False, True],
        ),
    ),
    ("max", 2): (
        [(5, 7), (6, 6), (2, 13)],
        dict(
            kernel_size=[1, 2, 3, (2, 3), (3, 1)],
            stride=[None, 1, 2, (1, 2)],
            padding=[0, 1, (1, 0), (0, 2)],
            dilation=[1, 2, (2, 1)],
            ceil_mode=[False, True],
        ),
    ),
}
for _n in (1, 2):  # average pooling: the max-pooling grid without dilation
    _sizes, _grid = GRIDS["max", _n]
    GRIDS["avg", _n] = (
        _sizes,
        {k: v for k, v in _grid.items() if k != "dilation"},
    )


@pytest.mark.parametrize(
    "kind, ndim", list(GRIDS), ids=[f"{k}{n}d" for k, n in GRIDS]
)
def test_helpers_and_pytorch_accept_refuse_and_size_alike(kind, ndim):
    sizes, grid = GRIDS[kind, ndim]
    cases = len(sizes) * np.prod([len(v) for v in grid.values()])
    found = disagreements(kind, sizes, grid)
    assert not found, (
        f"{len(found)} of {cases} cases disagree, e.g. {found[:3]}"
    )


def test_the_grids_hold_both_accepted_and_refused_layers():
    for (kind, ndim), (sizes, grid) in GRIDS.items():
        outcomes = [
            isinstance(
                pytorch(kind, size, **dict(zip(grid, values))), Exception
            )
            for size in sizes[:2]
            for values in itertools.product(*grid.values())
        ]
        assert any(outcomes) and not all(outcomes), (kind, ndim)


def test_maxpool_padding_is_limited_by_the_kernel_not_the_dilated_window():
    # the dilated window spans 5, but PyTorch allows padding up to 3 // 2 = 1
    # only
    assert isinstance(
        pytorch("max", 9, kernel_size=3, padding=2, dilation=2), RuntimeError
    )
    with pytest.raises(
        ValueError, match="padding must be at most half of kernel_size"
    ):
        pool_output_size(9, 3, padding=2, dilation=2)
    assert (
        pool_output_size(9, 3, padding=1, dilation=2)
        == pytorch("max", 9, kernel_size=3, padding=1, dilation=2)
        == 3
    )


# Values of the wrong type or shape for one argument; the others stay valid.
BAD = {
    "kernel_size": [2.0, True, None, "2", (), (2, 2, 2), [2.5], np.float32(2)],
    "stride": [2.0, True, (), (1, 1, 1), "1"],
    # words: pooling takes none, a convolution 'valid' and 'same' only
    "padding": [1.0, True, (), (1, 1, 1), "full", "SAME", "pad"],
    "dilation": [1.0, True, (), (1, 1, 1)],
    "ceil_mode": [1, 0, "yes", None, np.bool_(True)],
}
BAD_CASES = [
    (kind, ndim, name, value)
    for (kind, ndim) in LAYERS
    for name, values in BAD.items()
    for value in values
    # average pooling has no dilation
    if not (name == "dilation" and kind == "avg")
    and not (name == "ceil_mode" and kind == "conv")
]


def pytorch_is_lenient(kind: str, ndim: int, name: str, value) -> bool:
    """Spellings PyTorch happens to accept and helpers refuse, to keep one
    spelling per meaning: a bool as a convolution's kernel size, a 1-tuple for
    every dimension of a 2D layer, and an empty stride that pooling reads as
    'no stride given'."""
    one_for_all = ndim == 2 and isinstance(value, tuple) and len(value) == 1
    return (
        (kind == "conv" and name == "kernel_size" and value is True)
        or (one_for_all and not (kind == "conv" and name == "kernel_size"))
        or (kind != "conv" and name == "stride" and value == ())
    )


@pytest.mark.parametrize(
    "kind, ndim, name, value",
    BAD_CASES,
    ids=[f"{k}{n}d-{name}={v!r}" for k, n, name, v in BAD_CASES],
)
def test_bad_arguments_get_an_error_that_names_them(kind, ndim, name, value):
    size = 7 if ndim == 1 else (7, 7)
    settings = {"kernel_size": 2, name: value}
    theirs = pytorch(kind, size, **settings)
    assert isinstance(theirs, Exception) != pytorch_is_lenient(
        kind, ndim, name, value
    ), theirs
    ours = helpers(kind, size, **settings)
    assert isinstance(ours, (TypeError, ValueError)), ours
    assert re.search(rf"\b{name}\b", str(ours)), ours  # the name as a word


@pytest.mark.parametrize("kind", ["conv", "max", "avg"])
@pytest.mark.parametrize(
    "size, error",
    [
        (7.0, TypeError),
        ("7", TypeError),
        (True, TypeError),
        ((), ValueError),
        ((7, 7, 7, 7), ValueError),
        ((7, 7.5), TypeError),
        (0, ValueError),
        ((7, -1), ValueError),
    ],
)
def test_bad_sizes_get_an_error_that_names_size(kind, size, error):
    with pytest.raises(error, match=r"\bsize\b"):
        (conv_output_size if kind == "conv" else pool_output_size)(
            size, kernel_size=1
        )


def test_numpy_ints_are_ints_as_in_pytorch():
    k = np.int64(3)
    assert (
        conv_output_size(np.int64(7), k)
        == pytorch("conv", 7, kernel_size=k)
        == 5
    )
    assert (
        pool_output_size((7, 7), k)
        == pytorch("max", (7, 7), kernel_size=k)
        == (2, 2)
    )


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("word", ["valid", "same"])
def test_pooling_takes_no_padding_words(kind, word):
    theirs = pytorch(kind, 7, kernel_size=3, padding=word)
    ours = helpers(kind, 7, kernel_size=3, padding=word)
    assert isinstance(theirs, Exception) and isinstance(ours, ValueError)
    assert "padding" in str(ours) and repr(word) in str(ours)
