"""Every figure of helpers stays legible on the website: its text, once the PNG
is shrunk to the page's content width, is at least 80 % of the page's body
text."""

import io

import matplotlib.pyplot as plt
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
}


def smallest_text_px(fig) -> tuple[float, str]:
    """The smallest text of ``fig`` in pixels on the page, and what it says."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    width = Image.open(buffer).size[0]
    shrink = min(1.0, CONTENT_PX / width)
    texts = [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    smallest = min(texts, key=lambda t: t.get_fontsize())
    return smallest.get_fontsize() * DPI / 72 * shrink, smallest.get_text()


@pytest.mark.parametrize("draw", FIGURES.values(), ids=FIGURES.keys())
def test_text_is_legible_at_the_page_width(draw):
    fig = draw()
    try:
        px, text = smallest_text_px(fig)
        assert px >= SMALLEST, (
            f"{text!r} is {px:.1f} px on the page, under {SMALLEST:.1f} px"
        )
    finally:
        plt.close(fig)
