"""The output-size explorer of chapter 2 (helpers.widgets.output_size): its computations, drawing and controls."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.shapes import conv_output_size
from helpers.widgets.output_size import (OutputSizeExplorer, coverage, draw_windows, output_size_report,
                                         pytorch_output_size, pytorch_refusal)

PNG_MAGIC = b"\x89PNG"
# (size, kernel, stride, padding, dilation): every combination of small values, accepted or refused
GRID_1D = list(itertools.product(range(1, 8), range(1, 5), range(1, 4), range(0, 3), range(1, 3)))


def test_formula_and_pytorch_agree_or_refuse_together():
    for case in GRID_1D:
        try:
            expected = conv_output_size(*case)
        except ValueError:
            assert pytorch_refusal(*case) is not None, case
        else:
            assert pytorch_output_size(*case) == expected, case


@pytest.mark.parametrize("args, expected", [
    (((7, 7), 3, 2, 1, 1), (4, 4)),
    (((3, 10), (3, 2), 1, 0, 1), (1, 9)),
    (((6, 8), (3, 2), (2, 1), (1, 0), 1), (3, 7)),
    (((9, 9), 3, 1, 0, 2), (5, 5)),
    (((5, 6), (2, 4), 1, "same", (2, 1)), (5, 6)),
    ((10, 3, 1, "valid", 1), 8),
    ((10, 3, 1, "full", 2), 14),  # full padding: W + D(F - 1)
])
def test_pytorch_output_size_handles_tuples_and_padding_words(args, expected):
    assert pytorch_output_size(*args) == expected


def test_pytorch_output_size_leaves_the_random_state_alone():
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    pytorch_output_size((8, 8), 3)
    assert torch.equal(torch.rand(3), before)


@pytest.mark.parametrize("args, error", [
    ((4, 5), "RuntimeError: Calculated padded input size"),
    ((7, 3, 2, "same"), "ValueError: padding='same' is not supported for strided convolutions"),
    (((4, 4), 3, 1, 0, 2), "Kernel size can't be greater than actual input size"),
])
def test_refusals_are_pytorchs_own_errors(args, error):
    assert error in pytorch_refusal(*args)


def test_pytorch_accepts_what_it_accepts():
    assert pytorch_refusal(8, 3, 3) is None


def test_coverage_marks_values_no_window_reads():
    assert coverage(8, 3, stride=3).tolist() == [1, 1, 1, 1, 1, 1, 0, 0]  # the floor drops 6 and 7
    assert coverage(9, 3, stride=2, dilation=2).tolist() == [1, 0, 2, 0, 3, 0, 2, 0, 1]  # odd ones skipped
    assert coverage(5, 3, padding="full").tolist() == [3] * 5  # full padding: every tap reads every value
    assert coverage(6, 4, padding="same").tolist() == [2, 3, 4, 4, 4, 3]  # one zero left, two right


def test_coverage_is_the_gradient_of_a_kernel_of_ones():
    for size, kernel, stride, padding, dilation in GRID_1D[::3]:
        if size + 2 * padding < dilation * (kernel - 1) + 1:
            continue  # refused: the kernel does not fit
        x = torch.zeros(1, 1, size, requires_grad=True)
        F.conv1d(x, torch.ones(1, 1, kernel), stride=stride, padding=padding, dilation=dilation).sum().backward()
        assert x.grad[0, 0].long().tolist() == coverage(size, kernel, stride, padding, dilation).tolist()


@pytest.mark.parametrize("size, kernel, stride, padding, dilation", [
    ((7, 7), 3, 2, 1, 1), ((6, 8), (3, 2), (2, 1), (1, 0), 1), ((9, 7), 3, 2, 0, 2), ((6, 6), 4, 1, "same", 1)])
def test_coverage_in_2d_is_the_gradient_too(size, kernel, stride, padding, dilation):
    x = torch.zeros(1, 1, *size, requires_grad=True)
    k = (kernel, kernel) if isinstance(kernel, int) else kernel
    F.conv2d(x, torch.ones(1, 1, *k), stride=stride, padding=padding, dilation=dilation).sum().backward()
    assert np.array_equal(x.grad[0, 0].long().numpy(), coverage(size, kernel, stride, padding, dilation))


def test_report_shows_the_arithmetic_and_pytorchs_answer():
    assert output_size_report(8, 3, stride=3) == (
        "length: ⌊(8 + 2·0 − 1·(3 − 1) − 1)/3⌋ + 1 = ⌊5/3⌋ + 1 = 2\nPyTorch: 2 (agrees)")
    report = output_size_report((6, 8), (3, 2), (2, 1), (1, 0)).splitlines()
    assert report == ["height: ⌊(6 + 2·1 − 1·(3 − 1) − 1)/2⌋ + 1 = ⌊5/2⌋ + 1 = 3",
                      "width: ⌊(8 + 2·0 − 1·(2 − 1) − 1)/1⌋ + 1 = ⌊6/1⌋ + 1 = 7",
                      "PyTorch: (3, 7) (agrees)"]
    assert output_size_report(6, 4, padding="same").startswith("length: ⌊(6 + 1 + 2 − ")  # uneven zeros


def test_report_gives_both_errors_where_pytorch_refuses():
    lines = output_size_report(4, 5).splitlines()
    assert lines[0] == "PyTorch refuses these parameters."
    assert lines[1].startswith("PyTorch: RuntimeError:")
    assert lines[2].startswith("conv_output_size: ValueError: the kernel does not fit")
    lines = output_size_report(7, 3, stride=2, padding="same").splitlines()
    assert lines[1] == "PyTorch: ValueError: padding='same' is not supported for strided convolutions"
    assert lines[2].startswith("conv_output_size: ValueError: padding='same' is not supported")


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_1d_drawing_has_a_row_per_window():
    fig = draw_windows(8, 3, stride=3)
    try:
        assert [t for t in _texts(fig) if t.startswith("out[")] == ["out[0]", "out[1]"]
        assert fig.get_suptitle() == "input 8, kernel 3, stride 3, padding 0, dilation 1 → output 2"
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
        assert [ax.get_title() for ax in fig.axes] == ["input 7×7, padded to 9×9", "output 4×4"]
        fig.canvas.draw()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("args", [(4, 5), (7, 3, 2, "same"), ((4, 4), 3, 1, 0, 2), ((7, 7), 3, 2, "same")])
def test_refused_parameters_are_drawn_with_pytorchs_error(args):
    fig = draw_windows(*args)
    try:
        assert "PyTorch refuses" in fig.get_suptitle()
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_draw_windows_refuses_3d():
    with pytest.raises(ValueError, match="1D .* or 2D"):
        draw_windows((4, 4, 4), 3)


def test_explorer_follows_its_controls_and_flags_refusals():
    explorer = OutputSizeExplorer()
    first = bytes(explorer.image.value)
    assert first.startswith(PNG_MAGIC)
    assert "PyTorch: 2 (agrees)" in explorer.report.value
    explorer.mode.value = "same"
    explorer.stride.value = 2  # PyTorch refuses 'same' with a stride: a message, not a crash
    assert "PyTorch refuses" in explorer.report.value and "#cb181d" in explorer.report.value
    assert explorer.padding.disabled
    explorer.stride.value = 1
    explorer.dims.value = "2D"
    assert explorer.settings() == dict(size=(8, 8), kernel_size=(3, 3), stride=(1, 1), padding="same",
                                       dilation=(1, 1))
    assert "PyTorch: (8, 8) (agrees)" in explorer.report.value
    explorer.mode.value = "number"
    explorer.size.value, explorer.kernel.value, explorer.dilation.value = 4, 3, 3  # span 7 > 4
    assert "Kernel size can't be greater than actual input size" in explorer.report.value
    assert bytes(explorer.image.value).startswith(PNG_MAGIC) and bytes(explorer.image.value) != first
    assert not plt.get_fignums()  # every drawing was closed
