"""The explorers' Python side (helpers.widgets): the state each starts from,
what a page without JavaScript shows, and the starts their controls cannot
show. What the live explorers compute is compared with PyTorch in the browser
(tests/browser/test_explorers.py)."""

import base64
import html
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import helpers.widgets
from helpers.shapes import coverage
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
ROOT = FRONT_ENDS.parent.parent
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


def test_the_explorers_start_where_the_chapters_need_them():
    """The output-size explorer starts on chapter 2's point: a 1D layer whose
    windows leave the last inputs unread; pooling starts as 2x2 max pooling
    with stride 2 (chapter 3's layer); the kernel explorer on Sobel x."""
    start = output_size_explorer()
    settings = ("dims", "size", "kernel_size", "stride", "padding_mode")
    settings += ("padding", "dilation")
    got = tuple(getattr(start, name) for name in settings)
    assert got == ("1D", 8, 3, 3, "number", 0, 1)
    synced = start.get_state()  # what the front end receives
    assert tuple(synced[name] for name in settings) == got
    assert synced["key"] == start.key
    assert 0 in coverage(8, 3, stride=3)
    pool = pooling_explorer(FMAP)
    assert (pool.kernel_size, pool.stride, pool.padding) == (2, 2, 0)
    assert (pool.mode, pool.ceil_mode) == ("max", False)
    assert kernel_explorer(PHOTO).preset == "Sobel x"
    for word in ("valid", "same", "full"):
        assert output_size_explorer(padding=word).padding_mode == word


@pytest.mark.parametrize(
    "name, lowest, highest",
    [
        ("size", 1, 16),
        ("kernel_size", 1, 7),
        ("stride", 1, 4),
        ("padding", 0, 4),
        ("dilation", 1, 3),
    ],
)
def test_output_size_sliders_take_their_ends_and_nothing_beyond(
    name, lowest, highest
):
    for value in (lowest, highest):
        assert getattr(output_size_explorer(**{name: value}), name) == value
    for value in (lowest - 1, highest + 1):
        with pytest.raises(ValueError, match=name):
            output_size_explorer(**{name: value})


def test_pooling_controls_and_their_ranges():
    """Kernel and stride go up to the map's longer side (8 at most), padding
    from 0 to 4; max or average pooling, rounding down or up."""
    small = torch.rand(3, 5)
    for name in ("kernel_size", "stride"):
        for value, ok in [(0, False), (1, True), (5, True), (6, False)]:
            if ok:
                assert getattr(pooling_explorer(small, **{name: value}), name)
            else:
                with pytest.raises(ValueError, match=name):
                    pooling_explorer(small, **{name: value})
    assert pooling_explorer(FMAP, kernel_size=8, stride=8).largest == 8
    assert pooling_explorer(FMAP, padding=4, kernel_size=8).padding == 4
    with pytest.raises(ValueError, match="padding"):
        pooling_explorer(FMAP, padding=-1)
    other = pooling_explorer(FMAP, mode="avg", ceil_mode=True)
    assert (other.mode, other.ceil_mode) == ("avg", True)


def test_the_key_of_chapter_2s_explorer_is_the_one_its_page_holds():
    """The key is stable across runs: chapter 2, run earlier, holds the key
    its explorer gets now (the website's loader finds the state by it)."""
    page = (ROOT / "notebooks" / "02_output_size.ipynb").read_text("utf-8")
    stored = set(re.findall(r'data-explorer-key=\\"([^\\"]+)', page))
    made = output_size_explorer(7, 3, 2, 1, dilation=1, dims="2D")
    assert stored == {made.key}


def test_the_same_start_spelled_differently_is_the_same_explorer():
    """A kernel by name or by its numbers (ints or floats), settings in any
    order: the same start, the same key."""
    floats = [[float(v) for v in row] for row in KERNELS["Sobel x"]]
    keys = {
        kernel_explorer(PHOTO, kernel).key
        for kernel in ("Sobel x", KERNELS["Sobel x"], floats)
    }
    assert len(keys) == 1
    a = Explorer("pooling", "t", "a", stride=1, mode="max")
    b = Explorer("pooling", "t", "a", mode="max", stride=1)
    assert a.key == b.key != Explorer("pooling", "t", "a", stride=2).key


def test_kernel_explorer_takes_any_grayscale_array_and_clips_it():
    """A mask of 0s and 1s as ints, or a float64 array (as scikit-image
    gives), is the same photograph; values below 0 become black. An image
    3 pixels high is the smallest a 3x3 kernel fits; 160 pixels are kept,
    161 halved."""
    mask = (torch.rand(170, 40) > 0.5).long()
    as_float = kernel_explorer(mask.float())
    for image in (mask, mask.numpy(), mask.double().numpy()):
        assert kernel_explorer(image).pixels == as_float.pixels
    dark = kernel_explorer(torch.full((4, 4), -1.0))
    assert base64.b64decode(dark.pixels) == bytes(16)
    assert kernel_explorer(torch.rand(3, 5)).height == 3
    with pytest.raises(ValueError):
        kernel_explorer(torch.rand(2, 5))
    assert kernel_explorer(torch.rand(160, 20)).height == 160
    assert kernel_explorer(torch.rand(161, 20)).height == 80  # halved


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: kernel_explorer(PHOTO), ["kernel", "photograph"]),
        (
            output_size_explorer,
            ["1D", "2D", "convolution", "output", "PyTorch", "refusals"],
        ),
        (
            lambda: pooling_explorer(FMAP),
            ["max", "average", "pooling", "feature map", "PyTorch"],
        ),
    ],
)
def test_the_fallback_names_what_the_explorer_shows(make, words):
    """A page without JavaScript says, in a sentence, what the explorer
    shows, with the names the chapter uses."""
    explorer = make()
    page = explorer._repr_mimebundle_()[0]["text/html"]
    for word in words:
        assert word in explorer.about and html.escape(word) in page, word
    assert explorer.about.endswith(".")
