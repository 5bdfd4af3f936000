"""Chapter 2's drawing of where a convolution's windows land
(helpers.plot.draw_windows). The arithmetic it shows is tested in
test_shapes.py."""

import matplotlib.pyplot as plt
import pytest

from helpers.plot import draw_windows


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_1d_drawing_has_a_row_per_window():
    fig = draw_windows(8, 3, stride=3)
    try:
        assert [t for t in _texts(fig) if t.startswith("out[")] == [
            "out[0]", "out[1]"]
        assert fig.get_suptitle() == (
            "input 8, kernel 3, stride 3, padding 0, dilation 1 → output 2")
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_1d_drawing_stops_listing_windows_at_max_windows():
    fig = draw_windows(16, 2, padding=4, max_windows=5)
    try:
        texts = _texts(fig)
        assert sum(t.startswith("out[") for t in texts) == 5
        assert "… and 18 more windows" in texts
    finally:
        plt.close(fig)


def test_2d_drawing_shows_input_and_output_grids():
    fig = draw_windows((7, 7), 3, stride=2, padding=1)
    try:
        assert [ax.get_title() for ax in fig.axes] == [
            "input 7×7, padded to 9×9", "output 4×4"]
        # one number per input cell: how many taps read it
        numbers = [t for t in fig.axes[0].texts if t.get_text().isdigit()]
        assert len(numbers) == 49
        fig.canvas.draw()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("args", [
    (4, 5), (7, 3, 2, "same"), ((4, 4), 3, 1, 0, 2), ((7, 7), 3, 2, "same")])
def test_refused_parameters_are_drawn_with_pytorchs_error(args):
    fig = draw_windows(*args)
    try:
        assert "PyTorch refuses" in fig.get_suptitle()
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_draw_windows_refuses_3d_and_leaves_no_figure_open():
    before = plt.get_fignums()
    with pytest.raises(ValueError, match="1D .* or 2D"):
        draw_windows((4, 4, 4), 3)
    assert plt.get_fignums() == before
