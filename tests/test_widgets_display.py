"""Every explorer displays one live widget whose output also carries, as HTML,
a static PNG of the state it starts from (what a page without JavaScript
shows), leaving no figure open; a start its controls cannot show is
refused."""

import base64
import re

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.widgets import (
    FALLBACK_CLASS,
    Explorer,
    figure_png,
    kernel_explorer,
    output_size_explorer,
    pooling_explorer,
)
from helpers.widgets.kernels import explorer_image, kernel_figure
from helpers.widgets.output_size import draw_windows
from helpers.widgets.pooling import pooling_figure

PNG_MAGIC = b"\x89PNG"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FMAP = torch.arange(11 * 13.0).reshape(11, 13).sin()
PHOTO = (FMAP + 1) / 2  # a grayscale image in [0, 1]


def shown(monkeypatch, show) -> list:
    """What ``show()`` displayed."""
    displayed = []
    monkeypatch.setattr(
        "helpers.widgets.display", lambda obj: displayed.append(obj)
    )
    show()
    return displayed


def fallback_png(bundle: dict) -> bytes:
    """The static PNG in an explorer's HTML fallback."""
    png = re.search(r'src="data:image/png;base64,([^"]+)"',
                    bundle["text/html"])
    return base64.b64decode(png.group(1))


@pytest.mark.parametrize(
    "show,title",
    [
        (lambda: kernel_explorer(PHOTO), "3x3 kernels on a photograph"),
        (lambda: pooling_explorer(torch.rand(11, 13)), "Pooling explorer"),
        (output_size_explorer, "Output-size explorer"),
    ],
    ids=["kernels", "pooling", "output_size"],
)
def test_explorer_displays_a_widget_with_a_static_fallback(monkeypatch,
                                                           show, title):
    open_before = len(plt.get_fignums())
    (explorer,) = shown(monkeypatch, show)
    assert isinstance(explorer, Explorer)
    data, _ = explorer._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == explorer.model_id
    assert data["text/plain"] == f"[{title}: interactive explorer]"
    html = data["text/html"]
    assert html.startswith(
        f'<div class="{FALLBACK_CLASS}" data-explorer-key="{explorer.key}">'
    )
    assert fallback_png(data).startswith(PNG_MAGIC)
    # the fallback says in words what its figure shows
    assert explorer.describe() in html.replace("&#x27;", "'")
    # the front end is the shared part followed by the explorer's own
    assert "function slider(" in explorer._esm
    assert explorer._esm.rstrip().endswith("export default { render };")
    # every figure was closed, none is shown twice
    assert len(plt.get_fignums()) == open_before


@pytest.mark.parametrize(
    "show, expected",
    [
        (
            lambda: kernel_explorer(PHOTO, "Laplacian"),
            lambda: kernel_figure(explorer_image(PHOTO), "Laplacian"),
        ),
        (
            lambda: kernel_explorer(PHOTO, [[0, 0, 0], [0, 2, 0], [0, 0, 0]]),
            lambda: kernel_figure(
                explorer_image(PHOTO),
                [[0, 0, 0], [0, 2, 0], [0, 0, 0]],
                "custom kernel",
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
    (explorer,) = shown(monkeypatch, show)
    assert fallback_png(explorer._repr_mimebundle_()[0]) == base64.b64decode(
        figure_png(expected())
    )


def test_the_fallback_follows_the_controls_and_keys_are_stable(monkeypatch):
    (a,) = shown(monkeypatch, lambda: pooling_explorer(FMAP))
    (b,) = shown(monkeypatch, lambda: pooling_explorer(FMAP))
    (c,) = shown(monkeypatch, lambda: pooling_explorer(FMAP, kernel_size=3))
    # the same start gives the same key on every run; another start another
    assert a.key == b.key != c.key and a.model_id != b.model_id
    before = fallback_png(a._repr_mimebundle_()[0])
    a.kernel_size = 3  # what a control in Jupyter does
    assert fallback_png(a._repr_mimebundle_()[0]) == fallback_png(
        c._repr_mimebundle_()[0]
    ) != before


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
    (lambda: kernel_explorer(PHOTO, "emboss"), ValueError,
     "unknown kernel 'emboss'"),
    (lambda: kernel_explorer(torch.zeros(3, 8, 8)), ValueError,
     "grayscale"),
])
def test_a_start_the_controls_cannot_show_is_refused(monkeypatch, show, error,
                                                     message):
    open_before = len(plt.get_fignums())
    with pytest.raises(error, match=message):
        assert not shown(monkeypatch, show)
    assert len(plt.get_fignums()) == open_before
