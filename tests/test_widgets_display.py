"""The explorers' Python side (helpers.widgets): the state each starts from,
what a page without JavaScript shows, and the starts their controls cannot
show. What the live explorers compute is compared with PyTorch in the browser
(tests/browser/test_explorers.py)."""

import base64
import html
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import helpers.widgets
from helpers.widgets import (
    KERNELS,
    Explorer,
    kernel_explorer,
    output_size_explorer,
    pooling_explorer,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FMAP = torch.arange(11 * 13.0).reshape(11, 13).sin()
PHOTO = (FMAP + 1) / 2  # a grayscale image in [0, 1]
FRONT_ENDS = Path(helpers.widgets.__file__).parent
COMMON = (FRONT_ENDS / "common.js").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: kernel_explorer(PHOTO), "kernels"),
        (lambda: pooling_explorer(torch.rand(11, 13)), "pooling"),
        (output_size_explorer, "output_size"),
    ],
)
def test_explorer_is_a_widget_with_a_text_fallback(make, name):
    explorer = make()
    assert isinstance(explorer, Explorer)
    data, _ = explorer._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == explorer.model_id
    assert data["text/plain"] == f"[{explorer.title}: interactive explorer]"
    page = data["text/html"]
    assert page.startswith(
        f'<div class="cnn-explorer" data-explorer-key="{explorer.key}">'
    )
    assert html.escape(explorer.about) in page and explorer.about
    # the fallback is right in a notebook whose cell has not run, too
    assert "runs (in Jupyter or on Colab)" in page
    assert "<img" not in page
    # the front end is the shared part followed by the explorer's own
    own = (FRONT_ENDS / f"{name}.js").read_text(encoding="utf-8")
    assert explorer._esm == COMMON + "\n" + own


def test_keys_are_stable_and_follow_the_start():
    a, b = pooling_explorer(FMAP), pooling_explorer(FMAP)
    c = pooling_explorer(FMAP, kernel_size=3)
    assert a.key == b.key != c.key and a.model_id != b.model_id
    assert a.key.startswith("pooling-")
    assert kernel_explorer(PHOTO).key != kernel_explorer(PHOTO, "identity").key


def test_kernel_explorer_holds_its_start_kernel_and_the_presets():
    explorer = kernel_explorer(PHOTO, "Sobel x")
    assert explorer.preset == "Sobel x"
    assert explorer.kernel == [-1, 0, 1, -2, 0, 2, -1, 0, 1]
    assert explorer.presets == {
        name: torch.tensor(k, dtype=torch.float32).flatten().tolist()
        for name, k in KERNELS.items()
    }
    custom = kernel_explorer(PHOTO, [[0, 0, 0], [0, 2, 0], [0, 0, 0]])
    assert custom.preset == "custom" and custom.kernel[4] == 2


def test_kernel_explorer_keeps_8_bit_pixels_of_a_photo_shrunk_to_160():
    torch.manual_seed(0)
    photo = torch.rand(300, 320)
    explorer = kernel_explorer(photo)
    # shrunk by 2 (the mean of each 2x2 block), then 8 bits
    assert (explorer.height, explorer.width) == (150, 160)
    pixels = torch.frombuffer(
        bytearray(base64.b64decode(explorer.pixels)), dtype=torch.uint8
    ).reshape(150, 160)
    expected = nn.functional.avg_pool2d(photo[None, None], 2)[0, 0]
    assert torch.allclose(pixels / 255, expected, atol=0.5 / 255 + 1e-6)
    small = kernel_explorer(torch.rand(7, 9))
    assert (small.height, small.width) == (7, 9)
    bright = kernel_explorer(torch.full((4, 4), 2.0))  # clipped to 1
    assert base64.b64decode(bright.pixels) == bytes([255] * 16)


def test_pooling_explorer_holds_the_exact_float32_map():
    explorer = pooling_explorer(FMAP[None], kernel_size=3, stride=2)
    values = np.frombuffer(base64.b64decode(explorer.values), dtype="<f4")
    assert torch.equal(torch.from_numpy(values.copy()).reshape(11, 13), FMAP)
    assert (explorer.height, explorer.width, explorer.largest) == (11, 13, 8)
    assert (
        explorer.kernel_size,
        explorer.stride,
        explorer.padding,
        explorer.mode,
        explorer.ceil_mode,
    ) == (3, 2, 0, "max", False)
    assert pooling_explorer(torch.rand(3, 5)).largest == 5
    assert pooling_explorer(torch.rand(1, 6)).width == 6


def test_output_size_explorer_holds_its_settings():
    explorer = output_size_explorer(7, 3, 2, 1, dims="2D")
    assert (
        explorer.dims,
        explorer.size,
        explorer.kernel_size,
        explorer.stride,
        explorer.padding_mode,
        explorer.padding,
        explorer.dilation,
    ) == ("2D", 7, 3, 2, "number", 1, 1)
    word = output_size_explorer(padding="full")
    assert (word.padding_mode, word.padding) == ("full", 0)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: pooling_explorer(FMAP, kernel_size=9), "kernel_size=9"),
        (lambda: pooling_explorer(FMAP, stride=0), "stride=0"),
        (lambda: pooling_explorer(FMAP, padding=5), "padding=5"),
        (lambda: pooling_explorer(FMAP, kernel_size=2.0), "kernel_size=2.0"),
        (lambda: pooling_explorer(FMAP, mode="min"), "mode='min'"),
        (lambda: pooling_explorer(FMAP, ceil_mode=1), "ceil_mode=1"),
        (lambda: pooling_explorer(torch.rand(2, 4, 4)), r"\[H, W\]"),
        (lambda: output_size_explorer(size=17), "size=17"),
        (lambda: output_size_explorer(kernel_size=8), "kernel_size=8"),
        (lambda: output_size_explorer(stride=5), "stride=5"),
        (lambda: output_size_explorer(padding=-1), "padding=-1"),
        (lambda: output_size_explorer(padding="SAME"), "padding='SAME'"),
        (lambda: output_size_explorer(dilation=4), "dilation=4"),
        (lambda: output_size_explorer(dims="3D"), "dims='3D'"),
        (lambda: kernel_explorer(PHOTO, "emboss"), "kernel='emboss'"),
        (lambda: kernel_explorer(PHOTO, [[1, 2], [3, 4]]), "3x3 kernel"),
        (lambda: kernel_explorer(torch.zeros(3, 8, 8)), "grayscale"),
    ],
)
def test_a_start_the_controls_cannot_show_is_refused(make, name):
    with pytest.raises(ValueError, match=name):
        make()
