"""Every explorer displays a note and a bundle carrying a static PNG of the
state it starts from, leaving no figure open; a start its controls cannot show
is refused."""

import base64

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.widgets import (
    NOTE,
    _WithStaticFigure,
    figure_png,
    kernel_explorer,
    output_size_explorer,
    pooling_explorer,
)
from helpers.widgets.kernels import kernel_figure
from helpers.widgets.output_size import draw_windows
from helpers.widgets.pooling import pooling_figure

PNG_MAGIC = b"\x89PNG"


@pytest.mark.parametrize(
    "show,title",
    [
        (
            lambda: kernel_explorer(torch.arange(5.0).repeat(4, 1) / 4),
            "3x3 kernels on a photograph",
        ),
        (lambda: pooling_explorer(torch.rand(11, 13)), "Pooling explorer"),
        (output_size_explorer, "Output-size explorer"),
    ],
    ids=["kernels", "pooling", "output_size"],
)
def test_explorer_displays_a_note_and_a_static_png(monkeypatch, show, title):
    shown = []
    monkeypatch.setattr(
        "helpers.widgets.display", lambda obj: shown.append(obj)
    )
    open_before = len(plt.get_fignums())
    show()
    assert len(shown) == 2 and shown[0].data == NOTE
    bundle = shown[1]
    assert isinstance(bundle, _WithStaticFigure)
    data = bundle._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]).startswith(PNG_MAGIC)
    assert data["text/plain"] == f"[{title}: interactive explorer]"
    # every figure was closed, none is shown twice
    assert len(plt.get_fignums()) == open_before


def static_png(monkeypatch, show) -> bytes:
    """The static PNG an explorer puts on the website."""
    shown = []
    monkeypatch.setattr(
        "helpers.widgets.display", lambda obj: shown.append(obj)
    )
    show()
    return base64.b64decode(shown[1]._repr_mimebundle_()["image/png"])


FMAP = torch.arange(11 * 13.0).reshape(11, 13).sin()


@pytest.mark.parametrize(
    "show, expected",
    [
        (
            lambda: kernel_explorer(FMAP, "Laplacian"),
            lambda: kernel_figure(FMAP, "Laplacian"),
        ),
        (
            lambda: kernel_explorer(FMAP, [[0, 0, 0], [0, 2, 0], [0, 0, 0]]),
            lambda: kernel_figure(
                FMAP, [[0, 0, 0], [0, 2, 0], [0, 0, 0]], "custom kernel"
            ),
        ),
        (
            lambda: pooling_explorer(
                FMAP,
                kernel_size=3,
                stride=1,
                padding=1,
                mode="avg",
                ceil_mode=True,
            ),
            lambda: pooling_figure(FMAP, 3, 1, 1, "avg", True),
        ),
        (
            lambda: output_size_explorer(
                size=10,
                kernel_size=4,
                stride=2,
                padding="same",
                dilation=2,
                dims="2D",
            ),
            lambda: draw_windows((10, 10), (4, 4), (2, 2), "same", (2, 2)),
        ),
        (
            lambda: output_size_explorer(
                size=5, kernel_size=2, stride=1, padding=2
            ),
            lambda: draw_windows(5, 2, 1, 2, 1),
        ),
    ],
    ids=[
        "kernel preset",
        "kernel numbers",
        "pooling",
        "output size 2D",
        "output size 1D",
    ],
)
def test_static_figure_shows_the_settings_the_explorer_was_given(monkeypatch,
                                                                 show,
                                                                 expected):
    assert static_png(monkeypatch, show) == base64.b64decode(
        figure_png(expected())
    )


def test_static_figures_differ_from_the_defaults(monkeypatch):
    assert static_png(
        monkeypatch, lambda: pooling_explorer(FMAP, kernel_size=3)
    ) != static_png(monkeypatch, lambda: pooling_explorer(FMAP))
    assert static_png(
        monkeypatch, lambda: output_size_explorer(size=9)
    ) != static_png(monkeypatch, output_size_explorer)


@pytest.mark.parametrize("show, error, message", [
    (lambda: pooling_explorer(FMAP, kernel_size=9), ValueError,
     "kernel_size=9 is outside .* 1 to 8"),
    (lambda: pooling_explorer(FMAP, stride=0), ValueError,
     "stride=0 is outside"),
    (lambda: pooling_explorer(FMAP, padding=5), ValueError,
     "padding=5 is outside .* 0 to 4"),
    (lambda: pooling_explorer(FMAP, kernel_size=2.0), TypeError,
     "kernel_size must be an int"),
    (lambda: pooling_explorer(FMAP, mode="min"), ValueError,
     "mode must be one of 'max', 'avg'"),
    (lambda: pooling_explorer(FMAP, ceil_mode=1), ValueError,
     "ceil_mode must be one of False, True"),
    (lambda: output_size_explorer(size=17), ValueError,
     "size=17 is outside .* 1 to 16"),
    (lambda: output_size_explorer(kernel_size=8), ValueError,
     "kernel_size=8 is outside"),
    (lambda: output_size_explorer(stride=5), ValueError,
     "stride=5 is outside"),
    (lambda: output_size_explorer(padding=-1), ValueError,
     "padding=-1 is outside"),
    (lambda: output_size_explorer(padding="SAME"), ValueError,
     "padding must be one of 'valid'"),
    (lambda: output_size_explorer(dilation=4), ValueError,
     "dilation=4 is outside"),
    (lambda: output_size_explorer(dims="3D"), ValueError,
     "dims must be one of '1D', '2D'"),
    (lambda: kernel_explorer(FMAP, "emboss"), ValueError,
     "unknown kernel 'emboss'"),
])
def test_a_start_the_controls_cannot_show_is_refused(monkeypatch, show, error,
                                                     message):
    shown = []
    monkeypatch.setattr(
        "helpers.widgets.display", lambda obj: shown.append(obj)
    )
    open_before = len(plt.get_fignums())
    with pytest.raises(error, match=message):
        show()
    assert not shown and len(plt.get_fignums()) == open_before
