"""Every figure of helpers stays legible on the website: its text, once the PNG
is shrunk to the page's content width, is at least 80 % of the page's body
text, and all of it lies inside the figure with no text over another."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.text import Text
from PIL import Image

from helpers import plot

CONTENT_PX = (
    730  # the website's content width (Jupyter Book's theme, a desktop window)
)
BODY_PX = 16  # its body text: 1rem
# notebook PNGs (matplotlib's inline backend), cropped to their content
DPI = 100
SMALLEST = 0.8 * BODY_PX

FASHION = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
HISTORY = {
    "epoch": list(range(1, 11)),
    "train_loss": [1 / e for e in range(1, 11)],
    "train_acc": [1 - 1 / (e + 1) for e in range(1, 11)],
    "val_loss": [1.1 / e for e in range(1, 11)],
    "val_acc": [0.9 - 1 / (e + 2) for e in range(1, 11)],
}
torch.manual_seed(0)
FIGURES = {
    "show_batch 8 columns": lambda: plot.show_batch(
        torch.rand(32, 1, 28, 28),
        torch.arange(32) % 10,
        FASHION,
        title="One training batch",
    ),
    "show_predictions, wide tiles asked": lambda: plot.show_predictions(
        torch.rand(18, 3, 32, 32),
        torch.arange(18) % 10,
        (torch.arange(18) + 1) % 10,
        FASHION,
        n=18,
        nrow=6,
        tile_inches=1.9,
    ),
    "plot_history": lambda: plot.plot_history(
        HISTORY, title="Fashion-MNIST, Adam from lr 0.01, batch 64"
    ),
    "plot_history, three runs": lambda: plot.plot_history(
        {
            "baseline": HISTORY,
            "+ BatchNorm": HISTORY,
            "+ augmentation": HISTORY,
        }
    ),
    "plot_confusion_matrix 10 classes": lambda: plot.plot_confusion_matrix(
        torch.randint(0, 50, (10, 10)) + 500 * torch.eye(10, dtype=torch.long),
        FASHION,
        title="modern LeNet, test set (fractions of each true class)",
    ),
    "show_kernels": lambda: plot.show_kernels(
        torch.randn(6, 1, 5, 5), title="first-layer kernels"
    ),
    "show_feature_maps": lambda: plot.show_feature_maps(
        torch.randn(16, 8, 8),
        nrow=8,
        title="after the second block: 16 maps of 8x8",
    ),
    "draw_windows 1D": lambda: plot.draw_windows(10, 3, stride=2),
    "draw_windows 1D long": lambda: plot.draw_windows(16, 7, padding=4),
    "draw_windows 2D": lambda: plot.draw_windows((7, 7), 3, 2, 1),
    "draw_windows 2D large": lambda: plot.draw_windows((16, 16), 3, padding=4),
    "draw_windows 1D, one window": lambda: plot.draw_windows(3, 3),
    "draw_windows 2D, one output": lambda: plot.draw_windows((2, 5), (2, 5)),
    "draw_architecture LeNet": lambda: plot.draw_architecture(
        torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, 5, padding=2),
            torch.nn.AvgPool2d(2),
            torch.nn.Conv2d(6, 16, 5),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(400, 120),
            torch.nn.Linear(120, 10),
        ),
        (1, 1, 28, 28),
        title="LeNet",
    ),
}


@pytest.fixture(scope="module", params=FIGURES.values(), ids=FIGURES.keys())
def drawn(request):
    """A figure of ``FIGURES`` and the width of its PNG: saved as a notebook
    does, which draws it."""
    fig = request.param()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    yield fig, Image.open(buffer).size[0]
    plt.close(fig)


def drawn_texts(fig) -> list[Text]:
    """The texts that ``fig`` draws: not tick labels out of their axes' view
    or of axes that are off."""
    shown, ticks = set(), set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            low, high = sorted(axis.get_view_interval())
            for tick in axis.majorTicks + axis.minorTicks:
                ticks |= {id(tick.label1), id(tick.label2)}
            shown |= {
                id(label)
                for label, at in zip(labels, axis.get_majorticklocs())
                if ax.axison and low - 1e-9 <= at <= high + 1e-9
            }
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible()
        and t.get_text().strip()
        and (id(t) not in ticks or id(t) in shown)
    ]


def corners(text, renderer) -> np.ndarray:
    """The corners of the (rotated) rectangle ``text`` covers, in pixels,
    half a pixel in from its edges so that touching is not overlapping."""
    box, angle = text.get_window_extent(renderer), text.get_rotation()
    flat, a = box, 0.0  # upright or on its side: the box itself
    if angle % 90:
        text.set_rotation(0)
        flat, a = text.get_window_extent(renderer), np.radians(angle)
        text.set_rotation(angle)
    along = np.array([np.cos(a), np.sin(a)]) * (flat.width / 2 - 0.5)
    across = np.array([-np.sin(a), np.cos(a)]) * (flat.height / 2 - 0.5)
    middle = np.array([box.x0 + box.x1, box.y0 + box.y1]) / 2
    signs = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    return np.array([middle + s * along + t * across for s, t in signs])


def overlap(p, q) -> bool:
    """Whether convex polygons ``p`` and ``q`` overlap: no edge's normal
    separates them."""
    for poly in (p, q):
        for edge in np.roll(poly, -1, axis=0) - poly:
            normal = np.array([-edge[1], edge[0]])
            a, b = p @ normal, q @ normal
            if a.max() <= b.min() or b.max() <= a.min():
                return False
    return True


def crowded(fig) -> list[tuple[str, str]]:
    """The pairs of texts of ``fig`` (drawn) that overlap."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = np.array([corners(t, renderer) for t in texts])
    low, high = boxes.min(axis=1), boxes.max(axis=1)
    near = (low[:, None] < high[None]) & (low[None] < high[:, None])
    pairs = zip(*np.nonzero(np.triu(near.all(axis=2), 1)))
    return [
        (texts[i].get_text(), texts[j].get_text())
        for i, j in pairs
        if overlap(boxes[i], boxes[j])
    ]


def outside(fig) -> list[str]:
    """The texts of ``fig`` (drawn) that reach out of it."""
    renderer, inside = fig.canvas.get_renderer(), fig.bbox.padded(1)
    extent = Text.get_window_extent
    return [
        t.get_text()
        for t in drawn_texts(fig)
        if not all(map(inside.contains, *extent(t, renderer).get_points().T))
    ]


def smallest_text_px(fig, width) -> tuple[float, str]:
    """The smallest text of ``fig``, whose PNG is ``width`` pixels wide, in
    pixels on the page, and what it says."""
    shrink = min(1.0, CONTENT_PX / width)
    texts = [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    smallest = min(texts, key=lambda t: t.get_fontsize())
    return smallest.get_fontsize() * DPI / 72 * shrink, smallest.get_text()


def test_text_is_legible_at_the_page_width(drawn):
    fig, width = drawn
    px, text = smallest_text_px(fig, width)
    assert px >= SMALLEST, (
        f"{text!r} is {px:.1f} px on the page, under {SMALLEST:.1f} px"
    )


def test_text_is_inside_the_figure_and_apart(drawn):
    fig, _ = drawn
    assert fig.get_figwidth() <= plot.PAGE_INCHES
    assert not outside(fig)
    assert not crowded(fig)
