"""helpers.plot draws what it is given where it belongs: captions over their
own tiles, the n images asked for, curves with their axes named, a confusion
matrix with true classes as rows, one row per window of a convolution."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from helpers.plot import (
    draw_architecture,
    draw_windows,
    plot_confusion_matrix,
    plot_history,
    show_batch,
    show_feature_maps,
    show_kernels,
    show_predictions,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def captions(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_show_batch_captions_each_image_with_its_class_name():
    images, labels = torch.rand(10, 3, 32, 32), torch.arange(10) % 3
    fig = show_batch(images, labels, ["a", "b", "c"], nrow=5)
    assert captions(fig) == ["a", "b", "c"] * 3 + ["a"]
    grid = fig.axes[0].images[0].get_array()
    pad = (
        grid.shape[1] - 5 * 32
    ) // 6  # make_grid: 2 rows, 5 columns, room for captions
    assert pad > 2 and grid.shape == (
        2 * (32 + pad) + pad,
        5 * (32 + pad) + pad,
        3,
    )


def tiles(fig, count):
    """Where each image of a show_batch grid of constant images (image i filled
    with (i + 1) / 100) lies: {i: (left, right, top, bottom)} in the grid's
    pixels."""
    grid = np.asarray(fig.axes[0].images[0].get_array())[..., 0]
    found = {}
    for i in range(count):
        rows, cols = np.nonzero(np.isclose(grid, (i + 1) / 100, atol=1e-4))
        found[i] = (
            cols.min() - 0.5,
            cols.max() + 0.5,
            rows.min() - 0.5,
            rows.max() + 0.5,
        )
    return found


@pytest.mark.parametrize("count, nrow", [(10, 4), (12, 3), (7, 7)])
def test_each_caption_sits_above_its_own_tile(count, nrow):
    images = (
        (torch.arange(count) + 1.0)
        .div(100)
        .view(-1, 1, 1, 1)
        .expand(-1, 1, 8, 8)
        .contiguous()
    )
    fig = show_batch(images, [f"#{i}" for i in range(count)], nrow=nrow)
    where = tiles(fig, count)
    for text in fig.axes[0].texts:
        i = int(text.get_text()[1:])
        left, right, top, bottom = where[i]
        x, y = text.get_position()
        assert left < x < right and x == pytest.approx(
            (left + right) / 2, abs=0.5
        ), text.get_text()
        # just above it ...
        assert text.get_va() == "bottom" and top - 1 <= y < top, (
            text.get_text()
        )
        above = [
            j
            for j, (lo, hi, _, bottom_j) in where.items()
            if lo < x < hi and bottom_j <= top and j != i
        ]
        # ... and below the tile above it
        assert all(where[j][3] < y for j in above)


def test_show_batch_takes_a_loader_and_undoes_normalisation():
    x = torch.full((4, 1, 8, 8), 0.5)
    fig = show_batch(
        DataLoader(
            TensorDataset((x - 0.5) / 0.25, torch.zeros(4, dtype=torch.long)),
            batch_size=4,
        ),
        class_names=["zero"],
        mean=[0.5],
        std=[0.25],
    )
    assert captions(fig) == ["zero"] * 4
    assert fig.axes[0].images[0].get_array()[5, 5, 0] == pytest.approx(0.5)


def test_show_batch_undoes_normalisation_given_as_tensors(recwarn):
    x = torch.full((2, 3, 4, 4), 0.5)
    mean, std = torch.tensor([0.5] * 3), torch.tensor([0.25] * 3)
    fig = show_batch((x - 0.5) / 0.25, mean=mean, std=std)
    assert fig.axes[0].images[0].get_array()[3, 3, 0] == pytest.approx(0.5)
    assert not [w for w in recwarn if "copy construct" in str(w.message)]


def test_show_batch_shows_uint8_images_as_their_floats():
    images = torch.randint(0, 256, (3, 3, 8, 8), dtype=torch.uint8)
    as_bytes = show_batch(images).axes[0].images[0].get_array()
    as_floats = show_batch(images.float() / 255).axes[0].images[0].get_array()
    assert np.allclose(as_bytes, as_floats)


def test_show_batch_shows_the_n_images_asked_for_and_refuses_wrong_shapes():
    fig = show_batch(torch.rand(10, 1, 8, 8), list("abcdefghij"), n=6)
    assert captions(fig) == list("abcdef")
    with pytest.raises(ValueError, match="0-255"):
        show_batch(torch.rand(4, 3, 8, 8) * 255)
    for bad in (torch.rand(3, 32, 32), torch.rand(2, 4, 8, 8)):
        with pytest.raises(ValueError, match=r"\[N, 1 or 3, H, W\]"):
            show_batch(bad)


def test_show_predictions_marks_mistakes_in_red():
    fig = show_predictions(
        torch.rand(3, 1, 8, 8),
        torch.tensor([0, 1, 1]),
        torch.tensor([0, 0, 1]),
        ["x", "y"],
    )
    # the true class on a line of its own
    assert captions(fig) == [
        "x",
        "x\n(y)",
        "y",
    ]
    assert [t.get_color() for t in fig.axes[0].texts] == [
        "green",
        "red",
        "green",
    ]


HISTORY = {
    "epoch": [1, 2],
    "train_loss": [1.0, 0.5],
    "train_acc": [0.5, 0.7],
    "val_loss": [1.1, 0.6],
    "val_acc": [0.4, 0.6],
    "seconds": [1, 1],
}


def test_plot_history_single_run_and_comparison():
    fig = plot_history(HISTORY)
    assert len(fig.axes[0].lines) == 2
    fig = plot_history({"a": HISTORY, "b": HISTORY})
    assert len(fig.axes[1].lines) == 4
    assert [t.get_text() for t in fig.legends[0].texts] == [
        "a: train",
        "a: validation",
        "b: train",
        "b: validation",
    ]


def test_plot_history_legend_shows_train_dashed_and_validation_solid():
    for history in (HISTORY, {"a": HISTORY, "b": HISTORY}):
        legend = plot_history(history).legends[0]
        styles = {
            t.get_text(): line.get_linestyle()
            for t, line in zip(legend.texts, legend.get_lines())
        }
        assert styles and all(
            s == ("--" if label.endswith("train") else "-")
            for label, s in styles.items()
        )
        last_words = {label.split()[-1] for label in styles}
        assert last_words == {"train", "validation"}


def test_plot_history_names_its_axes():
    loss, acc = plot_history(HISTORY).axes
    assert (loss.get_xlabel(), loss.get_ylabel()) == ("epoch", "loss")
    assert (acc.get_xlabel(), acc.get_ylabel()) == ("epoch", "accuracy")
    assert list(acc.lines[1].get_ydata()) == HISTORY["val_acc"]


def test_confusion_matrix_figure_rows_sum_to_one():
    fig = plot_confusion_matrix(torch.tensor([[3, 1], [0, 4]]), ["p", "q"])
    shown = fig.axes[0].images[0].get_array()
    assert shown.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])


def test_confusion_matrix_has_true_classes_as_rows_and_refuses_names():
    fig = plot_confusion_matrix(
        torch.tensor([[3, 1], [0, 4]]), ["p", "q"], False
    )
    ax = fig.axes[0]
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("true", "predicted")
    # row 0 (true p): 3 right, 1 taken for q; the numbers drawn where they are
    drawn = {t.get_position(): t.get_text() for t in ax.texts}
    assert drawn == {(0, 0): "3", (1, 0): "1", (0, 1): "0", (1, 1): "4"}
    with pytest.raises(ValueError):
        plot_confusion_matrix(torch.eye(3), ["a", "b"])


def test_kernels_and_feature_maps_check_their_shapes():
    fig = show_kernels(torch.randn(6, 1, 5, 5), nrow=3)
    assert fig.axes[0].images[0].get_array().shape == (2 * 6 + 1, 3 * 6 + 1)
    show_feature_maps(torch.randn(4, 7, 7))
    plt.close("all")
    with pytest.raises(ValueError):
        show_kernels(torch.randn(6, 5, 5))
    with pytest.raises(ValueError):
        show_feature_maps(torch.randn(1, 4, 7, 7))
    assert not plt.get_fignums()


def test_draw_windows_1d_has_a_row_per_window_up_to_max_windows():
    ax = draw_windows(10, 3, stride=2).axes[0]
    labels = [t.get_text() for t in ax.texts if t.get_text().startswith("out")]
    assert labels == ["out[0]", "out[1]", "out[2]", "out[3]"]
    ax = draw_windows(30, 3, max_windows=5).axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "out[4]" in texts and "out[5]" not in texts
    assert "… and 23 more windows" in texts


def test_draw_windows_2d_shows_the_input_with_counts_and_the_output():
    fig = draw_windows((7, 7), 2, stride=2)
    ax_in, ax_out = fig.axes
    assert ax_out.get_title() == "output 3×3"
    counts = [t.get_text() for t in ax_in.texts]
    assert len(counts) == 49 and counts.count("0") == 13  # last row, column
    with pytest.raises(ValueError):
        draw_windows((4, 4, 4), 2)


def test_draw_architecture_has_a_box_per_layer_with_its_output():
    lenet = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2),
        torch.nn.Sigmoid(),
        torch.nn.AvgPool2d(2),
        torch.nn.Sequential(torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU()),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(400, 10),
    )
    ax = draw_architecture(lenet, (1, 1, 28, 28)).axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # no arrows
    assert texts[0::2] == [
        "input",
        "conv 5×5",
        "avg-pool 2",
        "conv 5×5",
        "max-pool 2",
        "linear",
    ]
    assert texts[1::2] == [
        "1\n28×28",
        "6\n28×28",
        "6\n14×14",
        "16\n10×10",
        "16\n5×5",
        "10",
    ]
