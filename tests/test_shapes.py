"""helpers.shapes agrees with PyTorch's layers, and refuses what PyTorch refuses."""

import itertools

import pytest
import torch
from torch import nn

from helpers.shapes import (conv_output_size, count_parameters, pool_output_size, same_padding,
                            trace_shapes)


@pytest.mark.parametrize("size,kernel,stride,padding,dilation", [
    (size, k, s, p, d)
    for size, k, s, p, d in itertools.product([1, 5, 7, 10, 28, 32], [1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2])
    if size + 2 * p >= d * (k - 1) + 1
])
def test_conv_output_size_matches_conv1d(size, kernel, stride, padding, dilation):
    layer = nn.Conv1d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = layer(torch.zeros(1, 1, size)).shape[-1]
    assert conv_output_size(size, kernel, stride, padding, dilation) == expected


@pytest.mark.parametrize("size,kernel,stride,padding,dilation", [
    ((28, 20), (5, 3), (1, 2), (0, 1), (1, 2)),
    ((7, 9), (3, 1), 2, (1, 0), 1),
    ((32, 32), 3, 1, "same", 1),
    ((32, 17), (4, 2), 1, "same", (2, 1)),
    ((10, 6), 3, 2, "valid", 1),
])
def test_conv_output_size_matches_conv2d_with_tuples_and_strings(size, kernel, stride, padding, dilation):
    layer = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = tuple(layer(torch.zeros(1, 1, *size)).shape[-2:])
    assert conv_output_size(size, kernel, stride, padding, dilation) == expected


def test_ints_in_int_out_tuples_in_tuple_out():
    assert conv_output_size(32, 5) == 28
    assert conv_output_size((32, 32), 5) == (28, 28)
    assert pool_output_size((28, 28), 2) == (14, 14)


@pytest.mark.parametrize("kwargs,message", [
    (dict(size=3, kernel_size=5), "does not fit"),
    (dict(size=5, kernel_size=3, dilation=2, padding=0), None),  # span 5 fits exactly: no error
    (dict(size=4, kernel_size=3, dilation=2), "does not fit"),
    (dict(size=10, kernel_size=0), "kernel_size"),
    (dict(size=10, kernel_size=3, stride=0), "stride"),
    (dict(size=10, kernel_size=3, padding=-1), "negative padding"),
    (dict(size=10, kernel_size=3, dilation=0), "dilation"),
    (dict(size=10, kernel_size=3, stride=2, padding="same"), "strided"),
    (dict(size=10, kernel_size=3, padding="full"), "padding must be"),
    (dict(size=(10, 10), kernel_size=(3, 3, 3)), "disagree"),
    (dict(size=0, kernel_size=1), "positive"),
])
def test_conv_output_size_refuses_what_pytorch_refuses(kwargs, message):
    size = kwargs["size"]
    layer_kwargs = {k: v for k, v in kwargs.items() if k != "size"}
    shape = (1, 1, size) if isinstance(size, int) else (1, 1, *size)
    conv = nn.Conv1d if isinstance(size, int) else nn.Conv2d
    if message is None:
        assert conv_output_size(**kwargs) == conv(1, 1, **layer_kwargs)(torch.zeros(shape)).shape[-1]
        return
    with pytest.raises(ValueError, match=message):
        conv_output_size(**kwargs)
    with pytest.raises((ValueError, RuntimeError)):  # PyTorch refuses the layer or the input too
        conv(1, 1, **layer_kwargs)(torch.zeros(shape))


@pytest.mark.parametrize("size,kernel,stride,padding,dilation,ceil_mode", [
    (size, k, s, p, d, c)
    for size, k, s, p, d, c in itertools.product([2, 5, 6, 7, 13, 28], [1, 2, 3], [None, 1, 2, 3], [0, 1],
                                                 [1, 2], [False, True])
    if 2 * p <= d * (k - 1) + 1 and size + 2 * p >= d * (k - 1) + 1
])
def test_pool_output_size_matches_maxpool(size, kernel, stride, padding, dilation, ceil_mode):
    layer = nn.MaxPool1d(kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    expected = layer(torch.zeros(1, 1, size)).shape[-1]
    assert pool_output_size(size, kernel, stride, padding, dilation, ceil_mode) == expected


@pytest.mark.parametrize("size,kernel,stride,padding,ceil_mode", [
    (size, k, s, p, c) for size, k, s, p, c in itertools.product([3, 5, 8, 13], [2, 3], [1, 2, 3], [0, 1], [False, True])
    if 2 * p <= k
])
def test_pool_output_size_matches_avgpool2d(size, kernel, stride, padding, ceil_mode):
    layer = nn.AvgPool2d(kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    expected = tuple(layer(torch.zeros(1, 1, size, size)).shape[-2:])
    assert pool_output_size((size, size), kernel, stride, padding, 1, ceil_mode) == expected


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding():
    # 5 inputs, kernel 2, stride 2, padding 1: ceil gives 4 windows, but the 4th would start at 6 >= 5 + 1
    assert pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3
    assert nn.MaxPool1d(2, 2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 5)).shape[-1] == 3


@pytest.mark.parametrize("kwargs,message", [
    (dict(size=5, kernel_size=2, padding=2), "at most half"),
    (dict(size=5, kernel_size=0), "kernel_size"),
    (dict(size=5, kernel_size=2, stride=0), "stride"),
    (dict(size=1, kernel_size=3), "too small"),
    (dict(size=5, kernel_size=2, padding=-1), "non-negative"),
])
def test_pool_output_size_refuses_what_pytorch_refuses(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool_output_size(**kwargs)
    layer_kwargs = {k: v for k, v in kwargs.items() if k != "size"}
    with pytest.raises((ValueError, RuntimeError)):
        nn.MaxPool1d(**layer_kwargs)(torch.zeros(1, 1, kwargs["size"]))


@pytest.mark.parametrize("kernel,dilation", [(1, 1), (3, 1), (5, 1), (3, 2), (7, 3)])
def test_same_padding_keeps_the_size(kernel, dilation):
    p = same_padding(kernel, dilation)
    layer = nn.Conv1d(1, 1, kernel, padding=p, dilation=dilation)
    assert layer(torch.zeros(1, 1, 11)).shape[-1] == 11


def test_same_padding_refuses_even_kernels():
    with pytest.raises(ValueError, match="odd"):
        same_padding(4)


def test_trace_shapes_lenet_reaches_16x4x4(capsys):
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Sigmoid(), nn.MaxPool2d(2, 2),
                        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(256, 10))
    rows = trace_shapes(net, (64, 1, 28, 28))
    assert [r.output_shape for r in rows][5] == (64, 16, 4, 4)
    assert rows[-1].output_shape == (64, 10)
    assert sum(r.params for r in rows) == sum(p.numel() for p in net.parameters())
    out = capsys.readouterr().out
    assert "[64, 16, 4, 4]" in out and "total" in out


def test_chapter_4_exercise_1_mnist_convnet_numbers():
    """The numbers chapter 4's exercise 1 asks readers to confirm: 3x3 "same" convolutions with 8 and 16
    channels keep 28 -> 28 -> 14 -> 14 -> 7, and the network has 9,098 parameters."""
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=same_padding(3)), nn.ReLU(), nn.MaxPool2d(2, 2),
                        nn.Conv2d(8, 16, 3, padding=same_padding(3)), nn.ReLU(), nn.MaxPool2d(2, 2),
                        nn.Flatten(), nn.Linear(7 * 7 * 16, 10))
    assert same_padding(3) == 1
    rows = trace_shapes(net, (128, 1, 28, 28), show=False)
    assert [r.output_shape for r in rows][:6] == [(128, 8, 28, 28), (128, 8, 28, 28), (128, 8, 14, 14),
                                                   (128, 16, 14, 14), (128, 16, 14, 14), (128, 16, 7, 7)]
    assert count_parameters(net)[1] == 9_098 == (3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 16 + 16) + (784 * 10 + 10)


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
