"""The kernel explorer of chapter 1 (helpers.widgets.kernels): its computation,
figure and controls."""

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from helpers.kernels import KERNELS, apply_kernel, as_kernel
from helpers.widgets.kernels import (
    CUSTOM,
    KernelExplorer,
    explorer_image,
    kernel_figure,
)

# [4, 5]: every row is 0 1 2 3 4, brightness grows to the right
RAMP = torch.arange(5.0).repeat(4, 1)


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


def test_explorer_holds_its_start_kernel_and_the_presets():
    explorer = KernelExplorer(RAMP / 4, "Sobel x")
    assert explorer.preset == "Sobel x"
    assert explorer.kernel == [v for row in KERNELS["Sobel x"] for v in row]
    assert set(explorer.presets) == set(KERNELS)
    assert torch.equal(explorer.current_kernel(), as_kernel("Sobel x"))
    explorer.kernel = as_kernel("Laplacian").flatten().tolist()
    explorer.preset = "Laplacian"  # what the controls do in Jupyter
    fig = explorer.static_figure()
    try:
        assert fig.axes[0].get_title() == "Laplacian"
    finally:
        plt.close(fig)


def test_explorer_starts_from_custom_numbers():
    explorer = KernelExplorer(RAMP / 4, [[0, 0, 0], [0, 2, 0], [0, 0, 0]])
    assert explorer.preset == CUSTOM
    fig = explorer.static_figure()
    try:
        assert fig.axes[0].get_title() == "custom kernel"
    finally:
        plt.close(fig)
    assert explorer.describe().startswith("a custom kernel (0 0 0 / 0 2 0")


def test_explorer_keeps_8_bit_pixels_of_a_photo_shrunk_to_160():
    torch.manual_seed(0)
    photo = torch.rand(300, 320)
    explorer = KernelExplorer(photo)
    # shrunk by 2 (the mean of each 2x2 block), then 8 bits
    assert (explorer.height, explorer.width) == (150, 160)
    expected = nn.functional.avg_pool2d(photo[None, None], 2)[0, 0]
    assert torch.allclose(explorer.image(), expected, atol=0.5 / 255 + 1e-6)
    assert torch.equal(explorer.image(), explorer_image(photo))
    levels = explorer.image() * 255
    assert torch.equal(levels, levels.round())
    small = torch.rand(7, 9)
    assert explorer_image(small).shape == (7, 9)
    assert explorer_image(torch.full((4, 4), 2.0)).max() == 1  # clipped
