"""helpers.shapes: what its refusals say, the arithmetic chapter 2 takes apart
(coverage, the report, PyTorch's own answer), same padding and shape traces.
The comparison with PyTorch over grids of settings is in
test_shapes_pytorch.py."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.shapes import (
    conv_output_size,
    count_parameters,
    coverage,
    output_size_report,
    pool_output_size,
    pytorch_output_size,
    pytorch_refusal,
    same_padding,
    trace_shapes,
)

# (size, kernel, stride, padding, dilation): every combination of small values,
# accepted or refused
GRID_1D = list(
    itertools.product(
        range(1, 8), range(1, 5), range(1, 4), range(0, 3), range(1, 3)
    )
)


def test_ints_in_int_out_tuples_in_tuple_out():
    assert conv_output_size(32, 5) == 28
    assert conv_output_size((32, 32), 5) == (28, 28)
    assert conv_output_size((9,), 3) == (7,)
    assert pool_output_size((28, 28), 2) == (14, 14)


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding():
    # 5 inputs, kernel 2, stride 2, padding 1: ceil gives 4 windows, but the
    # 4th would start at 6 >= 5 + 1
    assert pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3
    assert (
        nn.MaxPool1d(2, 2, padding=1, ceil_mode=True)(
            torch.zeros(1, 1, 5)
        ).shape[-1]
        == 3
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(size=3, kernel_size=5), "the kernel does not fit"),
        (
            dict(size=10, kernel_size=3, stride=2, padding="same"),
            "padding='same' needs stride 1",
        ),
        (
            dict(size=10, kernel_size=3, padding="full"),
            "padding must be an int, a tuple of ints, 'valid' or",
        ),
        (
            dict(size=(10, 10), kernel_size=(3, 3, 3)),
            r"kernel_size must be an int or 2 int\(s\)",
        ),
    ],
)
def test_conv_refusals_say_why(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(size=5, kernel_size=2, padding=2),
            "padding must be at most half of kernel_size",
        ),
        (dict(size=1, kernel_size=3), "the window does not fit"),
        (
            dict(size=5, kernel_size=2, padding=-1),
            "padding must be non-negative",
        ),
    ],
)
def test_pool_refusals_say_why(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool_output_size(**kwargs)


@pytest.mark.parametrize(
    "kernel,dilation", [(1, 1), (3, 1), (5, 1), (3, 2), (7, 3)]
)
def test_same_padding_keeps_the_size(kernel, dilation):
    p = same_padding(kernel, dilation)
    layer = nn.Conv1d(1, 1, kernel, padding=p, dilation=dilation)
    assert layer(torch.zeros(1, 1, 11)).shape[-1] == 11


def test_same_padding_refuses_even_kernels_and_bad_types():
    with pytest.raises(ValueError, match="odd"):
        same_padding(4)
    with pytest.raises(TypeError, match="kernel_size"):
        same_padding(3.0)
    with pytest.raises(ValueError, match="dilation"):
        same_padding(3, 0)


def test_trace_shapes_lenet_reaches_16x4x4(capsys):
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.Sigmoid(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5),
        nn.Sigmoid(),
        nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(256, 10),
    )
    rows = trace_shapes(net, (64, 1, 28, 28))
    assert [r.output_shape for r in rows][5] == (64, 16, 4, 4)
    assert rows[-1].output_shape == (64, 10)
    assert sum(r.params for r in rows) == sum(
        p.numel() for p in net.parameters()
    )
    out = capsys.readouterr().out
    assert "[64, 16, 4, 4]" in out and "total" in out


def test_chapter_4_exercise_1_mnist_convnet_numbers():
    """The numbers chapter 4's exercise 1 asks readers to confirm: 3x3 "same"
    convolutions with 8 and 16 channels keep 28 -> 28 -> 14 -> 14 -> 7, and the
    network has 9,098 parameters."""
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=same_padding(3)),
        nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 16, 3, padding=same_padding(3)),
        nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 16, 10),
    )
    assert same_padding(3) == 1
    rows = trace_shapes(net, (128, 1, 28, 28), show=False)
    assert [r.output_shape for r in rows][:6] == [
        (128, 8, 28, 28),
        (128, 8, 28, 28),
        (128, 8, 14, 14),
        (128, 16, 14, 14),
        (128, 16, 14, 14),
        (128, 16, 7, 7),
    ]
    assert (
        count_parameters(net)[1]
        == 9_098
        == (3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 16 + 16) + (784 * 10 + 10)
    )


def test_trace_shapes_names_the_layer_that_refuses_the_shape():
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Flatten(), nn.Linear(100, 10))
    net.train()
    with pytest.raises(ValueError, match=r"layer '2' given shape \[1, 3456\]"):
        trace_shapes(net, (1, 1, 28, 28), show=False)
    assert net.training  # mode restored
    with pytest.raises(ValueError, match="input_shape"):
        trace_shapes(net, (1, 0, 28, 28), show=False)


def test_count_parameters_after_freezing():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 4, 1))
    assert count_parameters(net) == (3 * 3 * 3 * 8 + 8 + 8 * 4 + 4,) * 2
    for p in net[0].parameters():
        p.requires_grad_(False)
    assert count_parameters(net) == (8 * 4 + 4, 3 * 3 * 3 * 8 + 8 + 8 * 4 + 4)


def test_formula_and_pytorch_agree_or_refuse_together():
    for case in GRID_1D:
        try:
            expected = conv_output_size(*case)
        except ValueError:
            assert pytorch_refusal(*case) is not None, case
        else:
            assert pytorch_output_size(*case) == expected, case


@pytest.mark.parametrize(
    "args, expected",
    [
        (((7, 7), 3, 2, 1, 1), (4, 4)),
        (((3, 10), (3, 2), 1, 0, 1), (1, 9)),
        (((6, 8), (3, 2), (2, 1), (1, 0), 1), (3, 7)),
        (((9, 9), 3, 1, 0, 2), (5, 5)),
        (((5, 6), (2, 4), 1, "same", (2, 1)), (5, 6)),
        ((10, 3, 1, "valid", 1), 8),
        ((10, 3, 1, "full", 2), 14),  # full padding: W + D(F - 1)
    ],
)
def test_pytorch_output_size_handles_tuples_and_padding_words(args, expected):
    assert pytorch_output_size(*args) == expected


def test_pytorch_output_size_leaves_the_random_state_alone():
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    pytorch_output_size((8, 8), 3)
    assert torch.equal(torch.rand(3), before)


@pytest.mark.parametrize(
    "args, error",
    [
        ((4, 5), "RuntimeError: Calculated padded input size"),
        (
            (7, 3, 2, "same"),
            "ValueError: padding='same' is not supported for strided "
            "convolutions",
        ),
        (
            ((4, 4), 3, 1, 0, 2),
            "Kernel size can't be greater than actual input size",
        ),
    ],
)
def test_refusals_are_pytorchs_own_errors(args, error):
    assert error in pytorch_refusal(*args)


def test_pytorch_accepts_what_it_accepts():
    assert pytorch_refusal(8, 3, 3) is None


def test_coverage_marks_values_no_window_reads():
    # the floor drops 6 and 7
    assert coverage(8, 3, stride=3).tolist() == [
        1,
        1,
        1,
        1,
        1,
        1,
        0,
        0,
    ]
    # odd ones skipped
    assert coverage(9, 3, stride=2, dilation=2).tolist() == [
        1,
        0,
        2,
        0,
        3,
        0,
        2,
        0,
        1,
    ]
    # full padding: every tap reads every value
    assert coverage(5, 3, padding="full").tolist() == [3] * 5
    # one zero left, two right
    assert coverage(6, 4, padding="same").tolist() == [
        2,
        3,
        4,
        4,
        4,
        3,
    ]


def test_coverage_is_the_gradient_of_a_kernel_of_ones():
    for size, kernel, stride, padding, dilation in GRID_1D[::3]:
        if size + 2 * padding < dilation * (kernel - 1) + 1:
            continue  # refused: the kernel does not fit
        x = torch.zeros(1, 1, size, requires_grad=True)
        F.conv1d(
            x,
            torch.ones(1, 1, kernel),
            stride=stride,
            padding=padding,
            dilation=dilation,
        ).sum().backward()
        assert (
            x.grad[0, 0].long().tolist()
            == coverage(size, kernel, stride, padding, dilation).tolist()
        )


@pytest.mark.parametrize(
    "size, kernel, stride, padding, dilation",
    [
        ((7, 7), 3, 2, 1, 1),
        ((6, 8), (3, 2), (2, 1), (1, 0), 1),
        ((9, 7), 3, 2, 0, 2),
        ((6, 6), 4, 1, "same", 1),
    ],
)
def test_coverage_in_2d_is_the_gradient_too(size, kernel, stride, padding,
                                            dilation):
    x = torch.zeros(1, 1, *size, requires_grad=True)
    k = (kernel, kernel) if isinstance(kernel, int) else kernel
    F.conv2d(
        x,
        torch.ones(1, 1, *k),
        stride=stride,
        padding=padding,
        dilation=dilation,
    ).sum().backward()
    assert np.array_equal(
        x.grad[0, 0].long().numpy(),
        coverage(size, kernel, stride, padding, dilation),
    )


def test_report_shows_the_arithmetic_and_pytorchs_answer():
    assert output_size_report(8, 3, stride=3) == (
        "length: ⌊(8 + 2·0 − 1·(3 − 1) − 1)/3⌋ + 1 = ⌊5/3⌋ + 1 = 2\nPyTorch: "
        "2 (agrees)"
    )
    report = output_size_report((6, 8), (3, 2), (2, 1), (1, 0)).splitlines()
    assert report == [
        "height: ⌊(6 + 2·1 − 1·(3 − 1) − 1)/2⌋ + 1 = ⌊5/2⌋ + 1 = 3",
        "width: ⌊(8 + 2·0 − 1·(2 − 1) − 1)/1⌋ + 1 = ⌊6/1⌋ + 1 = 7",
        "PyTorch: (3, 7) (agrees)",
    ]
    assert output_size_report(6, 4, padding="same").startswith(
        # uneven zeros
        "length: ⌊(6 + 1 + 2 − "
    )


def test_report_gives_both_errors_where_pytorch_refuses():
    lines = output_size_report(4, 5).splitlines()
    assert lines[0] == "PyTorch refuses these parameters."
    assert lines[1].startswith("PyTorch: RuntimeError:")
    assert lines[2].startswith(
        "conv_output_size: ValueError: the kernel does not fit"
    )
    lines = output_size_report(7, 3, stride=2, padding="same").splitlines()
    assert (
        lines[1]
        == "PyTorch: ValueError: padding='same' is not supported for strided "
        "convolutions"
    )
    assert lines[2].startswith(
        "conv_output_size: ValueError: padding='same' needs stride 1"
    )
