"""helpers.shapes: what it accepts and refuses, the arithmetic chapter 2 takes
apart (coverage, the report, PyTorch's own answer), same padding and shape
traces. The comparison with PyTorch over grids of settings is in
test_shapes_pytorch.py."""

import itertools
import re

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


@pytest.mark.parametrize(
    "function, kwargs",
    [
        (conv_output_size, dict(size=3, kernel_size=5)),
        (
            conv_output_size,
            dict(size=10, kernel_size=3, stride=2, padding="same"),
        ),
        (conv_output_size, dict(size=10, kernel_size=3, padding="full")),
        (conv_output_size, dict(size=(10, 10), kernel_size=(3, 3, 3))),
        (pool_output_size, dict(size=5, kernel_size=2, padding=2)),
        (pool_output_size, dict(size=1, kernel_size=3)),
        (pool_output_size, dict(size=5, kernel_size=2, padding=-1)),
        (pool_output_size, dict(size=5, kernel_size=3, padding="same")),
    ],
)
def test_values_pytorch_refuses_are_value_errors(function, kwargs):
    with pytest.raises(ValueError):
        function(**kwargs)


def test_the_padding_words_of_chapter_2():
    # 'full' is D*(F - 1) zeros on each side: the chapter-2 functions take it,
    # conv_output_size refuses it as PyTorch does
    assert pytorch_output_size(10, 3, padding="full", dilation=2) == 14
    assert coverage(5, 3, padding="full").tolist() == [3] * 5
    assert output_size_report(5, 3, padding="full").endswith("7 (agrees)")
    with pytest.raises(ValueError):
        conv_output_size(10, 3, padding="full")


@pytest.mark.parametrize(
    "kernel,dilation", [(1, 1), (3, 1), (5, 1), (3, 2), (7, 3), (2, 2)]
)
def test_same_padding_keeps_the_size(kernel, dilation):
    p = same_padding(kernel, dilation)
    layer = nn.Conv1d(1, 1, kernel, padding=p, dilation=dilation)
    assert layer(torch.zeros(1, 1, 11)).shape[-1] == 11


@pytest.mark.parametrize(
    "kwargs, rule",
    [
        (dict(stride=0), "positive"),
        (dict(dilation=(1, 0)), "positive"),
        (dict(padding=-1), "non-negative"),
    ],
)
def test_a_refused_value_is_told_the_rule_it_breaks(kwargs, rule):
    with pytest.raises(ValueError) as refused:
        conv_output_size((7, 7), 3, **kwargs)
    found = re.findall(
        r"\b(?<!-)(non-negative|positive)\b", str(refused.value)
    )
    assert found == [rule]


def test_same_padding_refuses_even_kernels_and_bad_types():
    with pytest.raises(ValueError) as refused:
        same_padding(4, dilation=3)
    # it gives the dilation, the kernel size and their odd D*(F - 1)
    assert {"3", "4", "9"} <= set(re.findall(r"\d+", str(refused.value)))
    with pytest.raises(TypeError):
        same_padding(3.0)
    with pytest.raises(ValueError):
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
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["input", "[64,", "1,", "28,", "28]"]
    assert lines[-1].split() == ["total", f"{count_parameters(net)[1]:,}"]
    assert len(lines) == 2 + len(rows) + 1  # header, input, rows, total


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


class Scaled(nn.Module):
    """A block with a parameter of its own besides its layers, and its own
    code between them."""

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1))
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return torch.relu(self.body(x)) * self.scale


class Nested(nn.Module):
    """Layers two and three levels deep, and a flatten in the model's own
    code."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU()),
            Scaled(4),
            nn.MaxPool2d(2),
        )
        self.head = nn.Linear(4 * 3 * 3, 10)

    def forward(self, x):
        return self.head(torch.flatten(self.features(x), 1))


def test_trace_shapes_follows_layers_nested_in_blocks():
    model = Nested()
    rows = trace_shapes(model, (2, 1, 8, 8), show=False)
    assert [(r.name, r.output_shape) for r in rows] == [
        ("features.0.0", (2, 4, 6, 6)),
        ("features.0.1", (2, 4, 6, 6)),
        ("features.1.body.0", (2, 4, 6, 6)),
        ("features.1", (2, 4, 6, 6)),  # the block with its own parameter
        ("features.2", (2, 4, 3, 3)),
        ("head", (2, 10)),
    ]
    assert rows[3].params == 1
    assert sum(r.params for r in rows) == count_parameters(model)[1]


def test_trace_shapes_names_the_nested_layer_that_refuses_the_shape():
    model = Nested()
    model.train()
    with pytest.raises(
        ValueError, match=r"'features\.0\.0' given shape \[1, 3"
    ):
        trace_shapes(model, (1, 3, 8, 8), show=False)
    assert model.training  # mode restored
    with pytest.raises(ValueError, match=r"'head' given shape \[1, 64\]"):
        trace_shapes(model, (1, 1, 10, 10), show=False)
    assert model.training
    assert not model.features[0][0]._forward_hooks  # hooks removed


def test_trace_shapes_names_the_layer_in_a_sequential():
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Flatten(), nn.Linear(100, 10))
    with pytest.raises(ValueError, match=r"layer '2' given shape \[1, 3456\]"):
        trace_shapes(net, (1, 1, 28, 28), show=False)
    with pytest.raises(ValueError):
        trace_shapes(net, (1, -1, 28, 28), show=False)


def test_trace_shapes_blames_no_layer_for_the_models_own_code():
    class Reshaping(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3)

        def forward(self, x):
            return self.conv(x).view(-1, 7)  # 36 values do not fill rows of 7

    with pytest.raises(ValueError) as raised:
        trace_shapes(Reshaping(), (1, 1, 8, 8), show=False)
    assert "conv" not in str(raised.value)  # the layer itself ran fine


def test_count_parameters_after_freezing():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 4, 1))
    assert count_parameters(net) == (3 * 3 * 3 * 8 + 8 + 8 * 4 + 4,) * 2
    for p in net[0].parameters():
        p.requires_grad_(False)
    assert count_parameters(net) == (8 * 4 + 4, 3 * 3 * 3 * 8 + 8 + 8 * 4 + 4)


@pytest.mark.parametrize(
    "args, expected",
    [
        (((7, 7), 3, 2, 1, 1), (4, 4)),
        (((3, 10), (3, 2), 1, 0, 1), (1, 9)),
        (((6, 8), (3, 2), (2, 1), (1, 0), 1), (3, 7)),
        (((9, 9), 3, 1, 0, 2), (5, 5)),
        (((5, 6), (2, 4), 1, "same", (2, 1)), (5, 6)),
        (((4, 5, 6), 3, 1, 0, 1), (2, 3, 4)),
        ((10, 3, 1, "valid", 1), 8),
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
        ((4, 5), "RuntimeError"),
        ((7, 3, 2, "same"), "ValueError"),
        (((4, 4), 3, 1, 0, 2), "RuntimeError"),
        ((10, 3, 1, -1), "RuntimeError"),
    ],
)
def test_refusals_are_pytorchs_own_errors(args, error):
    with pytest.raises(Exception) as raised:
        pytorch_output_size(*args)
    first_line = str(raised.value).splitlines()[0]
    report = output_size_report(*args)
    assert f"PyTorch: {error}: {first_line}" in report.splitlines()
    assert type(raised.value).__name__ == error


@pytest.mark.parametrize("size", [(), (7, 7, 7, 7)])
def test_no_convolution_beyond_3d(size):
    with pytest.raises(ValueError):
        pytorch_output_size(size, 1)


def test_coverage_marks_values_no_window_reads():
    assert coverage((3, 4), 2).dtype.kind == "i"  # counts, as ints
    # the floor drops 6 and 7
    assert coverage(8, 3, stride=3).tolist() == [1, 1, 1, 1, 1, 1, 0, 0]
    # odd ones skipped
    assert coverage(9, 3, stride=2, dilation=2).tolist() == (
        [1, 0, 2, 0, 3, 0, 2, 0, 1]
    )
    # one zero left, two right
    assert coverage(6, 4, padding="same").tolist() == [2, 3, 4, 4, 4, 3]


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
def test_coverage_in_2d_is_the_gradient_too(
    size, kernel, stride, padding, dilation
):
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
    # uneven zeros
    assert output_size_report(6, 4, padding="same").startswith(
        "length: ⌊(6 + 1 + 2 − "
    )
    assert output_size_report((3, 4, 5), 3).startswith("depth: ")


@pytest.mark.parametrize(
    "args", [(4, 5), (7, 3, 2, "same"), (10, 3, 1, -1), (10, 3, 0)]
)
def test_report_gives_both_errors_where_pytorch_refuses(args):
    lines = output_size_report(*args).splitlines()
    assert lines[0] == "PyTorch refuses these parameters."
    with pytest.raises(Exception) as theirs:
        pytorch_output_size(*args)
    error = f"{type(theirs.value).__name__}: {theirs.value}".splitlines()[0]
    assert lines[1] == f"PyTorch: {error}"
    with pytest.raises(ValueError) as ours:
        conv_output_size(*args)
    assert lines[2] == f"conv_output_size: ValueError: {ours.value}"


def test_trace_shapes_prints_a_table_in_aligned_columns(capsys):
    """Layer names padded to the longest, shapes in one column, parameter
    counts right-aligned with thousands separators."""
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.Flatten(), nn.Linear(3456, 10)
    )
    rows = trace_shapes(net, (2, 1, 28, 28))
    lines = capsys.readouterr().out.splitlines()
    assert len({len(line) for line in lines}) == 1  # counts end together
    shape_column = lines[0].index("output shape")
    assert shape_column == len("2 (Flatten)") + 2  # the longest name
    for line, shape in zip(lines[1:], [[2, 1, 28, 28]] + rows):
        shape = getattr(shape, "output_shape", shape)
        assert line[shape_column:].startswith(str(list(shape)))
    assert lines[-2].endswith(" 34,570") and lines[-1].endswith(" 34,726")


class First(nn.Module):
    """Takes a recurrent layer's (output, state) pair, returns the output."""

    def forward(self, pair):
        return pair[0]


def test_trace_shapes_takes_models_without_weights_or_tensor_outputs():
    """A model of pooling alone has no parameters to find a device by; a
    layer that returns a tuple (an LSTM) has no single output shape; the
    zeros are made on the model's device."""
    pooling = nn.Sequential(nn.MaxPool2d(2), nn.Flatten())
    rows = trace_shapes(pooling, (1, 1, 4, 4), show=False)
    assert [r.output_shape for r in rows] == [(1, 1, 2, 2), (1, 4)]
    recurrent = nn.Sequential(nn.LSTM(4, 3, batch_first=True), First())
    rows = trace_shapes(recurrent, (2, 5, 4), show=False)
    assert [(r.layer, r.output_shape) for r in rows] == [
        ("LSTM", ()),
        ("First", (2, 5, 3)),
    ]
    # zeros go where the weights are: on the meta device, which holds
    # shapes and no numbers, a model of any size traces without memory
    on_meta = Nested().to("meta")
    rows = trace_shapes(on_meta, (2, 1, 8, 8), show=False)
    assert rows[-1].output_shape == (2, 10)
    # a layer called with its input by keyword
    by_keyword = Keyword()
    rows = trace_shapes(by_keyword, (1, 1, 5, 5), show=False)
    assert rows[0].output_shape == (1, 1, 3, 3)


class Keyword(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        return self.conv(input=x)
