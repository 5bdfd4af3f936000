"""The kernel explorer of chapter 1 (helpers.widgets.kernels): its computation,
figure and controls."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from helpers.kernels import KERNELS, apply_kernel, as_kernel
from helpers.widgets.kernels import (
    CUSTOM,
    build_kernel_explorer,
    kernel_figure,
)

# [4, 5]: every row is 0 1 2 3 4, brightness grows to the right
RAMP = torch.arange(5.0).repeat(4, 1)
PNG_MAGIC = b"\x89PNG"


def test_identity_keeps_the_inside_of_the_image():
    image = torch.arange(16.0).reshape(4, 4)
    assert torch.equal(apply_kernel(image, "identity"), image[1:-1, 1:-1])


def test_sobel_on_a_ramp_gives_its_slope_times_eight():
    assert torch.equal(apply_kernel(RAMP, "Sobel x"), torch.full((2, 3), 8.0))
    assert torch.equal(apply_kernel(RAMP, "Sobel y"), torch.zeros(2, 3))
    # a ramp has no curvature
    assert torch.equal(apply_kernel(RAMP, "Laplacian"), torch.zeros(2, 3))


def test_box_blur_averages_and_keeps_a_constant_image():
    assert torch.allclose(
        apply_kernel(torch.full((3, 3), 0.5), "box blur"),
        torch.tensor([[0.5]]),
    )
    # a linear ramp is its own mean
    assert torch.allclose(apply_kernel(RAMP, "box blur"), RAMP[1:-1, 1:-1])


def test_kernels_that_sum_to_one_keep_flat_regions():
    flat = torch.full((5, 5), 0.3)
    for name in ("identity", "box blur", "sharpen"):
        assert torch.allclose(apply_kernel(flat, name), flat[1:-1, 1:-1]), name


def test_apply_kernel_agrees_with_conv2d_and_accepts_numbers():
    torch.manual_seed(0)
    image = torch.rand(7, 9)
    conv = nn.Conv2d(1, 1, 3, bias=False)
    with torch.no_grad():
        expected = conv(image[None, None])[0, 0]
    got = apply_kernel(image.numpy(), conv.weight[0, 0].tolist())
    assert got.shape == (5, 7)
    assert torch.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize(
    "bad", [[[1, 2], [3, 4]], torch.ones(3, 3, 3), "emboss"]
)
def test_as_kernel_refuses_what_is_not_a_3x3_kernel(bad):
    with pytest.raises(ValueError):
        as_kernel(bad)


def test_apply_kernel_refuses_colour_or_tiny_images():
    with pytest.raises(ValueError, match="grayscale"):
        apply_kernel(torch.zeros(3, 8, 8), "identity")
    with pytest.raises(ValueError, match="grayscale"):
        apply_kernel(torch.zeros(2, 8), "identity")


@pytest.mark.parametrize("name", list(KERNELS))
def test_figure_renders_for_every_preset(name):
    fig = kernel_figure(RAMP / 4, name)
    try:
        assert len(fig.axes) == 3
        assert fig.axes[0].get_title() == name
        assert fig.axes[2].get_title().startswith("output [2, 3]")
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_explorer_builds_and_its_controls_redraw():
    ui, static = build_kernel_explorer(RAMP / 4, "Sobel x")
    plt.close(static)
    (menu, grid), picture = ui.children[0].children, ui.children[1]
    cells = grid.children
    assert isinstance(ui, widgets.VBox) and len(cells) == 9
    assert [c.value for c in cells] == [
        v for row in KERNELS["Sobel x"] for v in row
    ]
    first = bytes(picture.value)
    assert first.startswith(PNG_MAGIC)

    menu.value = "Laplacian"  # a preset fills the grid and redraws
    assert [c.value for c in cells] == [
        v for row in KERNELS["Laplacian"] for v in row
    ]
    assert (
        bytes(picture.value).startswith(PNG_MAGIC)
        and bytes(picture.value) != first
    )

    cells[
        4
    ].value = -3.0  # editing a number turns the kernel into a custom one
    assert menu.value == CUSTOM
    cells[4].value = -4.0  # ...and back into the preset it equals
    assert menu.value == "Laplacian"


def test_explorer_starts_from_custom_numbers():
    ui, static = build_kernel_explorer(
        RAMP / 4, [[0, 0, 0], [0, 2, 0], [0, 0, 0]]
    )
    assert static.axes[0].get_title() == "custom kernel"
    plt.close(static)
    assert ui.children[0].children[0].value == CUSTOM
