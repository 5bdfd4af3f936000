"""The pooling explorer of chapter 3 (helpers.widgets.pooling): its
computation, figure and controls."""

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from helpers.shapes import pool_output_size
from helpers.widgets.pooling import (
    PoolingExplorer,
    pool_map,
    pooling_figure,
    uncovered,
    window_starts,
)

torch.manual_seed(0)
FMAP = torch.rand(11, 13)  # odd sizes, so that floor and ceil modes differ


@pytest.mark.parametrize(
    "mode, layer", [("max", nn.MaxPool2d), ("avg", nn.AvgPool2d)]
)
@pytest.mark.parametrize(
    "kernel_size, stride, padding, ceil_mode",
    [
        (2, 2, 0, False),
        (3, 2, 0, False),
        (3, 2, 1, True),
        (2, 3, 1, True),
        (1, 1, 0, False),
    ],
)
def test_pool_map_agrees_with_the_layers_and_the_formula(mode, layer,
                                                         kernel_size, stride,
                                                         padding, ceil_mode):
    pooled, line = pool_map(
        FMAP, kernel_size, stride, padding, mode, ceil_mode
    )
    expected = layer(kernel_size, stride, padding, ceil_mode=ceil_mode)(
        FMAP[None, None]
    )[0, 0]
    assert torch.equal(pooled, expected)
    size = pool_output_size(
        (11, 13), kernel_size, stride, padding, ceil_mode=ceil_mode
    )
    assert tuple(pooled.shape) == size
    assert line.endswith(f"11×13 → {size[0]}×{size[1]}")


def test_pool_map_accepts_a_single_channel_and_refuses_batches():
    pooled, _ = pool_map(FMAP[None], 2, 2)
    assert pooled.shape == (5, 6)
    with pytest.raises(ValueError, match=r"\[H, W\]"):
        pool_map(torch.zeros(2, 3, 8, 8), 2, 2)
    with pytest.raises(ValueError, match="mode"):
        pool_map(FMAP, 2, 2, mode="min")


@pytest.mark.parametrize(
    "kernel_size, stride, padding", [(2, 2, 2), (20, 1, 0), (3, 1, 2)]
)
def test_refused_layers_are_flagged_not_raised(kernel_size, stride, padding):
    with pytest.raises(RuntimeError):  # PyTorch itself refuses these
        nn.MaxPool2d(kernel_size, stride, padding)(FMAP[None, None])
    pooled, line = pool_map(FMAP, kernel_size, stride, padding)
    assert pooled is None and "PyTorch refuses this layer" in line
    fig = pooling_figure(FMAP, kernel_size, stride, padding)
    try:
        assert "PyTorch refuses" in fig.texts[0].get_text()  # the suptitle
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_window_starts_and_uncovered_pixels():
    assert window_starts(3, 2, 0) == [0, 2, 4]
    assert window_starts(3, 2, 1) == [-1, 1, 3]
    # floor mode drops the last column of 7
    assert uncovered(7, 3, 2, 2, 0) == [6]
    # ceil mode keeps it, in a window of one
    assert uncovered(7, 4, 2, 2, 0) == []
    # overlapping F=3, S=2 covers 9 exactly
    assert uncovered(9, 4, 3, 2, 0) == []
    # stride > kernel skips pixels
    assert uncovered(10, 3, 1, 4, 0) == [
        1,
        2,
        3,
        5,
        6,
        7,
        9,
    ]


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(kernel_size=3, stride=2, mode="avg"),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    ],
)
def test_figure_shows_input_and_output(params):
    fig = pooling_figure(FMAP, **params)
    try:
        ax_in, ax_out = fig.axes
        pooled, line = pool_map(
            FMAP, **{"kernel_size": 2, "stride": 2, **params}
        )
        assert ax_out.images[0].get_array().shape == tuple(pooled.shape)
        assert fig.texts[0].get_text() == line
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_explorer_holds_the_exact_float32_map_and_its_settings():
    explorer = PoolingExplorer(FMAP[None], kernel_size=3, stride=2)
    assert torch.equal(explorer.feature_map(), FMAP)
    assert (explorer.height, explorer.width, explorer.largest) == (11, 13, 8)
    assert explorer.settings() == dict(
        kernel_size=3, stride=2, padding=0, mode="max", ceil_mode=False
    )
    assert explorer.describe() == pool_map(FMAP, 3, 2)[1]
    explorer.padding = 3  # what a control does in Jupyter: refused, no error
    assert "PyTorch refuses this layer" in explorer.describe()
    assert PoolingExplorer(torch.rand(3, 5)).largest == 5
