"""helpers.plot draws what it is given where it belongs: captions over their
own tiles, the n images asked for, curves with their axes named, a confusion
matrix with true classes as rows, one row per window of a convolution."""

import colorsys
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb
from matplotlib.transforms import Bbox
from torch.utils.data import DataLoader, TensorDataset

from helpers import plot
from helpers.plot import (
    PAGE_INCHES,
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
    texts = [t.get_text() for t in draw_windows(30, 3).axes[0].texts]
    assert "out[11]" in texts and "out[12]" not in texts  # 12 by default


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


# ---------------------------------------------- what a reader sees, drawn


def drawn(fig):
    """``fig`` drawn (its layout done), and the renderer that drew it."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def on_screen(ax, x, y):
    """Data point ``(x, y)`` of ``ax`` in the figure's pixels."""
    return ax.transData.transform((x, y))


def fills_the_figure(fig, title=None, margin=0.2):
    """The one picture of ``fig``: as wide as the figure (but for ``margin``
    inches), square pixels, and the figure no taller than it and its
    title."""
    renderer = drawn(fig)
    ax, dpi = fig.axes[0], fig.dpi
    box = ax.get_window_extent(renderer)  # shrunk to the picture's shape
    rows, columns = ax.images[0].get_array().shape[:2]
    assert box.width / columns == pytest.approx(box.height / rows, rel=0.01)
    assert fig.bbox.width - box.width < margin * dpi
    title_box = ax.title.get_window_extent(renderer)
    room = title_box.height if title else 0
    assert fig.bbox.height - box.height - room < 0.4 * dpi
    assert ax.get_title() == (title or "")
    if title:  # above the picture, inside the figure
        assert box.y1 <= title_box.y0 and title_box.y1 <= fig.bbox.y1
    assert not ax.axison  # no pixel numbers around it
    assert ax.images[0].get_interpolation() == "nearest"  # sharp pixels


MEAN, STD = [0.1, 0.2, 0.3], [0.5, 0.25, 0.125]


@pytest.mark.parametrize("count, nrow", [(5, 3), (3, 8)])
def test_show_batch_puts_each_image_unnormalised_in_its_cell_on_white(
    count, nrow, caplog
):
    # image i all of colour (i / 10, 0.5, 1 - i / 10), the last one out of
    # [0, 1] once unnormalised: shown clamped
    colour = torch.tensor([[i / 10, 0.5, 1 - i / 10] for i in range(count)])
    colour[-1] = torch.tensor([1.5, -0.5, 0.25])
    normal = (colour - torch.tensor(MEAN)) / torch.tensor(STD)
    images = normal[:, :, None, None].expand(-1, -1, 6, 5)  # H 6, W 5
    fig = show_batch(images, mean=MEAN, std=STD, nrow=nrow, n=count)
    grid = fig.axes[0].images[0].get_array()
    columns, rows = min(count, nrow), -(-count // nrow)
    pad = (grid.shape[1] - 5 * columns) // (columns + 1)
    assert pad >= 1 and grid.shape == (
        rows * 6 + (rows + 1) * pad,
        columns * 5 + (columns + 1) * pad,
        3,
    )
    expected = np.ones(grid.shape)  # white between the images
    for i, rgb in enumerate(colour.clamp(0, 1)):
        top, left = pad + i // nrow * (6 + pad), pad + i % nrow * (5 + pad)
        expected[top : top + 6, left : left + 5] = rgb.numpy()
    assert np.allclose(grid, expected, atol=1e-6)
    fills_the_figure(fig)
    assert not caplog.records  # such as matplotlib clipping values itself


def test_show_batch_refuses_images_above_one_unless_normalised():
    dark = torch.zeros(2, 1, 8, 8)
    dark[0, 0, 0, 0] = 1.5  # 0-255 values, or light above white
    with pytest.raises(ValueError):
        show_batch(dark)
    normalised = (torch.rand(2, 3, 8, 8) - 0.2) * 3  # shown clamped
    grid = show_batch(normalised).axes[0].images[0].get_array()
    assert grid.min() == 0 and grid.max() == 1


@pytest.mark.parametrize(
    "count, nrow, tile_inches, title",
    [(32, 8, 1.3, "a batch"), (3, 8, 1.3, None), (6, 3, 2.0, "six")],
)
def test_show_batch_tiles_are_as_wide_as_asked_up_to_the_page(
    count, nrow, tile_inches, title
):
    fig = show_batch(
        torch.rand(count, 1, 12, 12),
        torch.arange(count) % 3,
        ["cat", "dog", "ship"],
        n=count,
        nrow=nrow,
        tile_inches=tile_inches,
        title=title,
    )
    width = min(min(count, nrow) * tile_inches, PAGE_INCHES)
    assert fig.get_figwidth() == pytest.approx(width)
    fills_the_figure(fig, title)
    assert {t.get_color() for t in fig.axes[0].texts} == {"black"}


NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Ankle boot"]


@pytest.mark.parametrize("nrow, tile_inches", [(4, 1.3), (3, 2.4), (8, 1)])
def test_captions_fit_in_the_white_above_their_tiles(nrow, tile_inches):
    y_true = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2, 3])
    y_pred = torch.tensor([0, 2, 2, 4, 4, 1, 1, 0, 3])  # some on two lines
    fig = show_predictions(
        torch.rand(9, 1, 28, 28),
        y_true,
        y_pred,
        NAMES,
        n=8,
        nrow=nrow,
        tile_inches=tile_inches,
    )
    ax, renderer = fig.axes[0], drawn(fig)
    assert len(ax.texts) == 8
    pad = (ax.images[0].get_array().shape[1] - 28 * nrow) / (nrow + 1)
    boxes, gaps = [t.get_window_extent(renderer) for t in ax.texts], []
    for i, box in enumerate(boxes):
        row, column = divmod(i, nrow)
        top = row * (28 + pad) + pad - 0.5  # of the tile, and of the gap
        _, tile_top = on_screen(ax, 0, top)
        _, gap_top = on_screen(ax, 0, top - pad)
        left, _ = on_screen(ax, column * (28 + pad) - 0.5, 0)
        right, _ = on_screen(ax, (column + 1) * (28 + pad) + pad - 0.5, 0)
        assert tile_top <= box.y0 and box.y1 <= gap_top, ax.texts[i]
        assert left <= box.x0 and box.x1 <= right, ax.texts[i]
        gaps.append(gap_top - tile_top)
    # no room to spare for another line of text
    tallest = max(box.height for box in boxes)
    assert max(gaps) < tallest + 10 * fig.dpi / 72
    assert fig.bbox.contains(boxes[0].x0, boxes[0].y1)


HISTORY_B = {
    "epoch": [1, 2, 3],
    "train_loss": [0.9, 0.4, 0.3],
    "train_acc": [0.6, 0.8, 0.85],
    "val_loss": [float("nan"), 0.7, 0.5],  # validated from epoch 2
    "val_acc": [float("nan"), 0.65, 0.7],
}
UNVALIDATED = {  # no validation, or none that gave a number
    "epoch": [1, 2],
    "train_loss": [1.2, 0.8],
    "train_acc": [0.3, 0.5],
    "val_loss": [float("nan")] * 2,
    "val_acc": [float("nan")] * 2,
}
NO_VALIDATION = {k: v for k, v in UNVALIDATED.items() if "val" not in k}


def curve(line):
    """What ``line`` shows: its label, style and points (NaN as None)."""
    ys = [None if y != y else y for y in line.get_ydata()]
    return line.get_label(), line.get_linestyle(), list(line.get_xdata()), ys


@pytest.mark.parametrize(
    "runs",
    [
        {"": HISTORY},
        {"a": HISTORY, "b": HISTORY_B},
        {"": UNVALIDATED},
        {"": NO_VALIDATION},
        {"x": NO_VALIDATION, "y": HISTORY, "z": UNVALIDATED},
    ],
)
def test_plot_history_draws_each_curve_against_its_epochs(runs):
    fig = plot_history(runs if "" not in runs else runs[""], title="runs")
    assert fig.get_suptitle() == "runs"
    assert fig.get_figwidth() == PAGE_INCHES
    colours = {}
    for ax, key in zip(fig.axes, ("loss", "acc")):
        expected = []
        for name, h in runs.items():
            prefix = f"{name}: " if name else ""
            epochs, val = h["epoch"], h.get(f"val_{key}", [])
            expected.append(
                (f"{prefix}train", "--", epochs, h[f"train_{key}"])
            )
            if any(v == v for v in val):  # skipped when all NaN
                val = [None if v != v else v for v in val]
                expected.append((f"{prefix}validation", "-", epochs, val))
        assert [curve(line) for line in ax.lines] == expected
        for line in ax.lines:  # a run's curves in one colour, its own
            name = line.get_label().rpartition(":")[0]
            colours.setdefault((ax, name), set()).add(line.get_color())
    assert all(len(c) == 1 for c in colours.values())
    for ax in fig.axes:
        run_colours = [c for (a, _), (c,) in colours.items() if a is ax]
        assert len(set(run_colours)) == len(runs)
    legend = [t.get_text() for t in fig.legends[0].texts]
    assert legend == [line.get_label() for line in fig.axes[0].lines]


def test_plot_history_ticks_whole_epochs_on_a_grid():
    for ax in plot_history(HISTORY).axes:  # two epochs: 1 and 2, no 1.5
        low, high = ax.get_xlim()
        ticks = [x for x in ax.get_xticks() if low <= x <= high]
        assert ticks == [1, 2]
        assert all(line.get_visible() for line in ax.get_xgridlines())


@pytest.mark.parametrize("count", [1, 3])
def test_plot_history_legend_has_a_column_per_run_below_the_axes(count):
    runs = {f"run {i}": HISTORY for i in range(count)}
    fig = plot_history(runs if count > 1 else HISTORY)
    renderer = drawn(fig)
    legend = fig.legends[0]
    texts = {t.get_text(): t.get_window_extent(renderer) for t in legend.texts}
    if count == 1:  # side by side
        assert texts["train"].y0 == pytest.approx(texts["validation"].y0)
        assert texts["train"].x1 < texts["validation"].x0
    for i in range(count - 1):  # a run's train above its validation
        train, val = texts[f"run {i}: train"], texts[f"run {i}: validation"]
        assert train.x0 == pytest.approx(val.x0) and val.y1 <= train.y0
        assert train.x1 < texts[f"run {i + 1}: train"].x0
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert box.y1 <= ax.xaxis.label.get_window_extent(renderer).y0
    loss, acc = (ax.get_window_extent(renderer) for ax in fig.axes)
    assert loss.x1 < acc.x0 and loss.y0 == acc.y0  # side by side
    assert box.y0 >= 0 and box.x0 >= 0 and box.x1 <= fig.bbox.x1


def luminance(colour):
    """Relative luminance (WCAG) of a matplotlib colour."""
    rgb = np.array(to_rgb(colour))
    rgb = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return rgb @ [0.2126, 0.7152, 0.0722]


def contrast(a, b):
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("normalize", [True, False])
def test_confusion_matrix_numbers_colours_and_scale(normalize):
    cm = torch.tensor(
        [[10, 9, 8, 7], [0, 0, 0, 0], [6, 5, 4, 3], [0, 0, 1, 0]]
    )  # tenths of the largest count; classes with no sample and with one
    rows = cm.double().sum(dim=1, keepdim=True)
    shown = (cm / rows.clamp(min=1) if normalize else cm).numpy()
    fig = plot_confusion_matrix(cm, list("abcd"), normalize, title="cm")
    ax, renderer = fig.axes[0], drawn(fig)
    image = ax.images[0]
    assert np.allclose(image.get_array(), shown)
    assert image.get_clim() == pytest.approx((0, shown.max()))
    colorbar = fig.axes[1]  # the scale, from 0 to the largest
    assert sorted(colorbar.get_ylim()) == pytest.approx([0, shown.max()])
    lightest, darkest = (image.cmap(image.norm(v)) for v in (0, shown.max()))
    assert luminance(darkest) < 0.1 < 0.8 < luminance(lightest)
    assert len(ax.texts) == 16
    for text in ax.texts:
        column, row = text.get_position()
        value = shown[row, column]
        if normalize:
            assert float(text.get_text()) == pytest.approx(value, abs=0.0051)
        else:
            assert text.get_text() == str(int(value))
        # legible on its cell, and in its middle
        cell = image.cmap(image.norm(value))
        assert contrast(text.get_color(), cell) > 2, text
        box = text.get_window_extent(renderer)
        middle = on_screen(ax, column, row)
        assert [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2] == (
            pytest.approx(middle, abs=1)
        )
    assert ax.get_title() == "cm"


def test_confusion_matrix_names_each_row_and_column():
    names = ["T-shirt/top", "Trouser", "Pullover", "Ankle boot"]
    fig = plot_confusion_matrix(torch.eye(4) * 5 + 1, names)
    ax, renderer = fig.axes[0], drawn(fig)
    assert ax.images[0].get_clim()[0] == 0  # the scale starts at 0
    assert ax.get_title() == ""
    for i, label in enumerate(ax.get_yticklabels()):
        box = label.get_window_extent(renderer)
        assert label.get_text() == names[i]
        middle = (box.y0 + box.y1) / 2
        assert middle == pytest.approx(on_screen(ax, 0, i)[1], abs=3)
    for j, label in enumerate(ax.get_xticklabels()):
        box = label.get_window_extent(renderer)
        assert label.get_text() == names[j]
        assert label.get_rotation() % 90  # slanted: long names fit
        # its end under its own column
        assert abs(box.x1 - on_screen(ax, j, 0)[0]) < 5
    title = "accuracy by class " * 6
    fig = plot_confusion_matrix(torch.eye(4), names, title=title)
    drawn_title, renderer = fig.axes[0].get_title(), drawn(fig)
    assert drawn_title.split() == title.split()  # wrapped into the figure
    box = fig.axes[0].title.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.x1
    ten = plot_confusion_matrix(
        torch.eye(10), [f"class {i}" for i in range(10)]
    )
    assert ten.get_figwidth() == PAGE_INCHES


def peaks(count, height, width):
    """``count`` maps ``[height, width]``, map i 0 but for 1 at pixel i
    (row-major), on scales 10 ** (i - 2) apart, shifted by i."""
    maps = torch.zeros(count, height * width)
    maps[range(count), range(count)] = 1
    scale = 10.0 ** (torch.arange(count) - 2)
    return (maps * scale[:, None] + torch.arange(count)[:, None]).view(
        count, height, width
    )


@pytest.mark.parametrize("kernels", [False, True])
def test_maps_and_kernels_in_order_each_on_its_own_scale(kernels):
    maps = peaks(6, 3, 3)
    if kernels:  # kernels [2, 3, 3, 3]: out channel by out channel
        fig = show_kernels(maps.view(2, 3, 3, 3), nrow=4, title="kernels")
    else:
        fig = show_feature_maps(maps, nrow=4, title="maps")
    grid = fig.axes[0].images[0].get_array()
    pad = (grid.shape[1] - 4 * 3) // 5
    assert pad >= 1 and grid.shape == (2 * 3 + 3 * pad, 4 * 3 + 5 * pad)
    expected = np.ones(grid.shape)  # white between the maps
    for i in range(6):  # black but a white peak at pixel i
        top, left = pad + i // 4 * (3 + pad), pad + i % 4 * (3 + pad)
        expected[top : top + 3, left : left + 3] = np.eye(9)[i].reshape(3, 3)
    assert np.allclose(grid, expected, atol=1e-5)
    image = fig.axes[0].images[0]
    assert to_rgb(image.cmap(image.norm(0))) == (0, 0, 0)
    assert to_rgb(image.cmap(image.norm(1))) == (1, 1, 1)
    fills_the_figure(fig, "kernels" if kernels else "maps", margin=0.6)


@pytest.mark.parametrize(
    "count, nrow, title", [(16, 8, "16 maps"), (6, 3, None), (4, 4, "four")]
)
def test_feature_maps_tiles_as_wide_as_asked_up_to_the_page(
    count, nrow, title
):
    fig = show_feature_maps(torch.randn(count, 6, 6), nrow=nrow, title=title)
    width = min(min(count, nrow) * 1.2, PAGE_INCHES)
    assert fig.get_figwidth() == pytest.approx(width)
    fills_the_figure(fig, title, margin=0.6)


def test_maps_and_kernels_eight_a_row_by_default():
    for fig in (
        show_feature_maps(torch.rand(16, 3, 3)),
        show_kernels(torch.rand(4, 4, 3, 3)),
    ):
        rows, columns = fig.axes[0].images[0].get_array().shape
        assert (columns - 1) / (rows - 1) == 8 / 2


def lenet():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d((2, 2)),
        torch.nn.Conv2d(6, 16, 3),
        torch.nn.AdaptiveAvgPool2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(256, 120),
        torch.nn.Linear(120, 10),
    )


ARCHITECTURES = {
    "LeNet": (
        lenet(),
        (1, 1, 28, 28),
        ["input", "conv 5×5", "max-pool 2", "conv 3×3", "adaptive avg"]
        + ["linear", "linear"],
        ["1\n28×28", "6\n28×28", "6\n14×14", "16\n12×12", "16\n4×4"]
        + ["120", "10"],
    ),
    "MLP": (
        torch.nn.Sequential(torch.nn.Linear(20, 1), torch.nn.Linear(1, 2)),
        (1, 20),
        ["input", "linear", "linear"],
        ["20", "1", "2"],
    ),
    "tall input": (
        torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, padding=(1, 0)), torch.nn.MaxPool2d(2)
        ),
        (1, 1, 32, 8),
        ["input", "conv 3×3", "max-pool 2"],
        ["1\n32×8", "4\n32×6", "4\n16×3"],
    ),
}


@pytest.mark.parametrize("model, shape, names, shapes", ARCHITECTURES.values())
def test_architecture_boxes_in_order_labelled_and_joined(
    model, shape, names, shapes, capsys
):
    fig = draw_architecture(model, shape, title="a model")
    assert not capsys.readouterr().out  # no table printed
    ax, renderer = fig.axes[0], drawn(fig)
    assert ax.get_title() == "a model" and not ax.axison
    boxes = [p.get_window_extent(renderer) for p in ax.patches]
    texts = [t for t in ax.texts if t.get_text()]
    arrows = [t for t in ax.texts if not t.get_text()]
    assert [t.get_text() for t in texts] == [
        text for pair in zip(names, shapes) for text in pair
    ]
    line = 10 * fig.dpi / 72  # a line of text
    view = ax.get_window_extent(renderer)
    for box, name, below in zip(boxes, texts[0::2], texts[1::2]):
        assert view.x0 <= box.x0 and box.x1 <= view.x1
        assert view.y0 <= box.y0 and box.y1 <= view.y1
        middle = (box.x0 + box.x1) / 2
        name, below = (t.get_window_extent(renderer) for t in (name, below))
        assert (name.x0 + name.x1) / 2 == pytest.approx(middle, abs=1)
        assert (below.x0 + below.x1) / 2 == pytest.approx(middle, abs=1)
        assert box.y1 <= name.y0 < box.y1 + line  # just above
        assert box.y0 - line < below.y1 <= box.y0  # just below
    # centred: about as much room left of the first box as right of the last
    left, right = boxes[0].x0 - view.x0, view.x1 - boxes[-1].x1
    assert left == pytest.approx(right, rel=0.2)
    assert len(arrows) == len(boxes) - 1
    for arrow, before, after in zip(arrows, boxes, boxes[1:]):
        assert arrow.arrow_patch  # drawn
        (tail_x, tail_y), (head_x, head_y) = (
            on_screen(ax, *xy) for xy in (arrow.xyann, arrow.xy)
        )
        assert before.x1 <= tail_x < head_x <= after.x0  # in the gap
        assert head_x - tail_x > (after.x0 - before.x1) / 2  # across it
        for box in (before, after):
            assert box.y0 < tail_y == head_y < box.y1


@pytest.mark.parametrize("model, shape, names, shapes", ARCHITECTURES.values())
def test_architecture_boxes_show_what_each_layer_holds(
    model, shape, names, shapes
):
    patches = draw_architecture(model, shape).axes[0].patches
    size = [(p.get_width(), p.get_height()) for p in patches]
    held = [tuple(map(int, s.replace("×", "\n").split())) for s in shapes]
    for (w, h), (w2, h2), a, b in zip(size, size[1:], held, held[1:]):
        # wider for more channels or features
        assert np.sign(w2 - w) == np.sign(b[0] - a[0]), (a, b)
        if len(a) == len(b) == 3:  # feature maps: taller when larger
            assert np.sign(h2 - h) == np.sign(b[1] - a[1]), (a, b)
        if len(a) == len(b) == 1:  # features: more of them, taller
            assert np.sign(h2 - h) == np.sign(b[0] - a[0]), (a, b)
    # a colour for each kind of layer: input, convolution, pooling, linear
    colour = {}
    for name, patch in zip(names, patches):
        kind = "pool" if "pool" in name or "avg" in name else name[:4]
        colour.setdefault(kind, set()).add(patch.get_facecolor())
    assert all(len(c) == 1 for c in colour.values())
    assert len({c for (c,) in colour.values()}) == len(colour)


def colour_name(colour):
    """What draw_windows' legend calls ``colour``."""
    hue, saturation, _ = colorsys.rgb_to_hsv(*to_rgb(colour))
    hue *= 360
    if saturation < 0.1:
        return "grey"
    if hue < 10 or hue > 330:
        return "red"
    return "orange" if hue < 45 else "blue" if hue < 235 else "purple"


def cells(ax):
    """{(column, row): colour name} of the filled cells of ``ax`` (the one
    drawn last where they overlap), each inside its column of the grid, in
    the axes, which are off."""
    found, renderer = {}, ax.figure.canvas.get_renderer()  # drawn
    view = ax.get_window_extent(renderer).padded(1)
    assert not ax.axison
    for p in ax.patches:
        x, y = math.floor(p.get_x()), math.floor(p.get_y())
        assert p.get_x() + p.get_width() <= x + 1 and p.get_height() <= 1
        assert view.contains(*p.get_window_extent(renderer).p0)
        assert view.contains(*p.get_window_extent(renderer).p1)
        if p.get_facecolor()[3]:
            found[x, y] = colour_name(p.get_facecolor())
    return found


def flat(text):
    return " ".join(text.split())


WINDOWS_1D = {  # arguments: each window's taps, in the padded input's cells
    "dilated, padded": ((7, 3, 2, 1, 2), [[0, 2, 4], [2, 4, 6], [4, 6, 8]]),
    "one value unread": ((10, 3, 3), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
    "3 windows shown": ((5, 2, 1, 0, 1, 3), [[0, 1], [1, 2], [2, 3], [3, 4]]),
}


@pytest.mark.parametrize("args, taps", WINDOWS_1D.values(), ids=WINDOWS_1D)
def test_draw_windows_1d_a_row_per_window_on_its_taps(args, taps):
    size, kernel, stride, padding, dilation, shown = (
        args + (1, 0, 1, 12)[len(args) - 2 :]
    )
    windows = len(taps)
    fig = draw_windows(*args[:5], max_windows=shown)
    ax, renderer = fig.axes[0], drawn(fig)
    read = {t - padding for window in taps for t in window}
    expected = {(c, 0): "grey" for c in range(size + 2 * padding)}
    for k in range(size):  # the input, in its padding
        expected[k + padding, 0] = "blue" if k in read else "red"
    for j, window in enumerate(taps[:shown]):
        last = "purple" if j == windows - 1 else "blue"
        expected.update({(t, j + 1): last if j else "orange" for t in window})
    assert cells(ax) == expected
    labels = {t.get_text(): t for t in ax.texts}
    numbers = {
        math.floor(t.get_position()[0]): t.get_text()
        for t in ax.texts
        if t.get_text().isdigit()
    }
    assert numbers == {k + padding: str(k) for k in range(size)}
    left, top = on_screen(ax, 0, -0.5)
    above = Bbox.from_bounds(left, top, 0, 0)  # the top of the input row
    rows = ["input"] + [f"out[{j}]" for j in range(min(windows, shown))]
    for row, label in enumerate(rows):  # left of its row, in its middle
        box = labels.pop(label).get_window_extent(renderer)
        assert fig.bbox.contains(box.x0, box.y0)
        cell = next(
            p for p in ax.patches if math.floor(p.get_y()) == row
        ).get_window_extent(renderer)
        assert box.x1 <= left and (box.y0 + box.y1) / 2 == pytest.approx(
            (cell.y0 + cell.y1) / 2, abs=1
        )
        assert cell.width == pytest.approx(cell.height, rel=0.02)  # square
        assert cell.y1 <= above.y0  # below the row above
        above = cell
    for j, (line, window) in enumerate(zip(ax.lines, taps)):
        # joining a window's taps, through their middle, in their colour
        assert list(line.get_xdata()) == [window[0] + 0.5, window[-1] + 0.5]
        tap = next(p for p in ax.patches if math.floor(p.get_y()) == j + 1)
        low, high = tap.get_y(), tap.get_y() + tap.get_height()
        assert all(low < y < high for y in line.get_ydata())
        assert colour_name(line.get_color()) == expected[window[0], j + 1]
    if shown < windows:
        more = labels.pop(f"… and {windows - shown} more windows")
        box = more.get_window_extent(renderer)
        assert box.y1 <= above.y0 and box.x0 == pytest.approx(left, abs=1)
        assert box.y0 >= ax.get_window_extent(renderer).y0
    assert not labels.keys() - set(numbers.values())
    # from just under the title to just over the legend: no blank row
    by_text = {t.get_text(): t.get_window_extent(renderer) for t in fig.texts}
    title, legend = by_text[fig.get_suptitle()], by_text[fig.get_supxlabel()]
    drawing = Bbox.union(
        [a.get_window_extent(renderer) for a in ax.patches + ax.texts]
    )
    assert title.y0 - drawing.y1 < cell.height
    assert drawing.y0 - legend.y1 < cell.height
    assert flat(fig.get_suptitle()) == (
        f"input {size}, kernel {kernel}, stride {stride}, padding {padding}, "
        f"dilation {dilation} → output {windows}"
    )
    assert flat(fig.get_supxlabel()) == flat(plot.LEGEND)
    assert ax.get_title() == ""  # the figure's title says it all


def test_draw_windows_2d_counts_window_starts_and_output():
    fig = draw_windows((3, 5), (3, 2), stride=(1, 2), padding=(1, 0))
    ax, ax_out = fig.axes
    renderer = drawn(fig)
    count = [[2, 2, 2, 2, 0], [3, 3, 3, 3, 0], [2, 2, 2, 2, 0]]
    numbers = {
        tuple(map(math.floor, t.get_position())): t.get_text()
        for t in ax.texts
    }
    assert numbers == {
        (k, i + 1): str(n)
        for i, row in enumerate(count)
        for k, n in enumerate(row)
    }
    for text in ax.texts:  # in the middle of their cells
        box = text.get_window_extent(renderer)
        x, y = (math.floor(v) + 0.5 for v in text.get_position())
        assert [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2] == (
            pytest.approx(on_screen(ax, x, y), abs=1)
        )
    expected = {(c, r): "grey" for r in (0, 4) for c in range(5)}
    for (c, r), n in numbers.items():
        expected[c, r] = "blue" if n != "0" else "red"
    assert cells(ax) == expected
    dots = {tuple(map(math.floor, line.get_xydata()[0])) for line in ax.lines}
    assert dots == {(c, r) for r in range(3) for c in (0, 2)}
    assert all(line.get_marker() not in ("", "None") for line in ax.lines)
    outlines = {}  # the first and last windows' taps
    for p in ax.patches:
        if not p.get_facecolor()[3]:
            name = colour_name(p.get_edgecolor())
            outlines.setdefault(name, set()).add(
                (math.floor(p.get_x()), math.floor(p.get_y()))
            )
    assert outlines == {
        "orange": {(c, r) for r in range(3) for c in range(2)},
        "purple": {(c, r) for r in range(2, 5) for c in range(2, 4)},
    }
    output = {(c, r): "blue" for r in range(3) for c in range(2)}
    output.update({(0, 0): "orange", (1, 2): "purple"})
    assert cells(ax_out) == output
    assert ax.get_title() == "input 3×5, padded to 5×5"
    assert ax_out.get_title() == "output 3×2"
    sizes = [
        p.get_window_extent(renderer).size
        for a in (ax, ax_out)
        for p in a.patches[:1]
    ]  # square cells, of one size in both
    assert np.allclose(sizes, sizes[0][0], rtol=0.02)
    assert flat(fig.get_suptitle()) == (
        "input 3×5, kernel 3×2, stride (1, 2), padding (1, 0), dilation 1 "
        "→ output 3×2"
    )
    assert flat(fig.get_supxlabel()) == flat(plot.LEGEND + plot.LEGEND_2D)
    assert draw_windows((7, 7), 2, stride=2).axes[0].get_title() == (
        "input 7×7"
    )
    fig = draw_windows((5, 12), 3, stride=(2, 1))  # wide, strided rows
    ax, ax_out = fig.axes
    renderer = drawn(fig)
    dots = {tuple(map(math.floor, line.get_xydata()[0])) for line in ax.lines}
    assert dots == {(c, r) for r in (0, 2) for c in range(10)}
    sizes = [a.patches[0].get_window_extent(renderer).size for a in fig.axes]
    assert np.allclose(sizes, sizes[0][0], rtol=0.02)
    for too_big in [(3, 5), ((6, 6), (3, 7))]:
        with pytest.raises(ValueError):
            draw_windows(*too_big)


def test_show_batch_by_default_32_images_8_a_row_labelled_by_number():
    fig = show_batch(torch.rand(40, 1, 28, 28), torch.arange(40) % 10)
    assert captions(fig) == [str(i % 10) for i in range(32)]
    grid = fig.axes[0].images[0].get_array()
    pad = (grid.shape[1] - 8 * 28) // 9
    assert grid.shape[0] == 4 * 28 + 5 * pad  # 4 rows of 8
    fig = show_batch(torch.rand(16, 1, 28, 28))  # no room for no captions
    ax, _ = fig.axes[0], drawn(fig)
    pad = (ax.images[0].get_array().shape[1] - 8 * 28) / 9
    gap = on_screen(ax, pad, 0)[0] - on_screen(ax, 0, 0)[0]
    assert 0 < gap < 10 * fig.dpi / 72
