"""Interactive explorers (ipywidgets) for chapters 1-3, each with a static
figure for the website.

An explorer is shown with :func:`show_explorer`. In Jupyter or on Colab the
reader gets the live controls; the same output also carries a PNG of the
explorer's default state, which is what the static website shows (it renders no
widgets: see ``nb_mime_priority_overrides`` in ``_config.yml``).
"""

from __future__ import annotations

import base64
import io
import numbers

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

NOTE = (
    "*Interactive explorer*: run this notebook in Jupyter or on Colab to move "
    "the controls. A page without a live kernel shows the explorer's default "
    "state."
)


def figure_png(fig) -> str:
    """A matplotlib figure as base64 PNG text; the figure is closed so it is
    not shown twice."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class _WithStaticFigure:
    """Displays as the live widget where widgets render, else as the PNG of the
    default state."""

    def __init__(self, ui, png: str, title: str):
        self.ui, self.png, self.title = ui, png, title

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(
            self.ui._repr_mimebundle_(include=include, exclude=exclude) or {}
        )
        bundle["image/png"] = self.png
        bundle["text/plain"] = f"[{self.title}: interactive explorer]"
        return bundle


def int_slider(argument: str, value, low: int, high: int, **kwargs):
    """An ``IntSlider`` from ``low`` to ``high`` that starts at ``value``. A
    start the slider cannot show is an error naming ``argument``, so that the
    static figure never shows a state the controls cannot."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{argument} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(
            f"{argument}={value} is outside the explorer's slider, which goes "
            f"from {low} to {high}"
        )
    return widgets.IntSlider(value=int(value), min=low, max=high, **kwargs)


def check_choice(argument: str, value, options) -> None:
    """Refuse, naming ``argument``, a start ``value`` that is not one of the
    control's ``options``."""
    if (
        isinstance(value, bool) != isinstance(options[0], bool)
        or value not in options
    ):
        raise ValueError(
            f"{argument} must be one of {', '.join(map(repr, options))}; got "
            f"{value!r}"
        )


def show_explorer(ui, static_figure, title: str) -> None:
    """Display ``ui`` (an ipywidgets widget) with a note and ``static_figure``
    (its default state) as the fallback for pages that render no widgets
    (chapters 1-3)."""
    display(Markdown(NOTE))
    display(_WithStaticFigure(ui, figure_png(static_figure), title))


# the explorers, imported last: their modules use the functions above
from .kernels import kernel_explorer  # noqa: E402, F401  (chapter 1)
from .output_size import (  # noqa: E402, F401  (chapter 2)
    draw_windows,
    output_size_explorer,
)
from .pooling import pooling_explorer  # noqa: E402, F401  (chapter 3)

