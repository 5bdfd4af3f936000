"""Interactive explorers for chapters 1-3, live in Jupyter, on Colab and on
the book's website.

Each explorer is an :class:`Explorer`: an ``anywidget`` widget whose controls
are traitlets and whose front end is a small JavaScript module (the ``.js``
files next to this one). The front end computes what it draws in the browser,
so the explorer needs no Python kernel once it is on the page: the website runs
the module stored in the notebook's widget state. The Python side checks the
settings an explorer starts from, holds its data, and draws the same state with
matplotlib as the static figure that readers without JavaScript (and the search
index) get. An explorer is shown with :func:`show_explorer`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import numbers
from pathlib import Path

import anywidget
import matplotlib.pyplot as plt
import traitlets
from IPython.display import display

HERE = Path(__file__).parent
# The HTML class of an explorer's static fallback on a page; the website's own
# loader (site_js/explorers.js) brings an element of this class to life.
FALLBACK_CLASS = "cnn-explorer"


def figure_png(fig) -> str:
    """A matplotlib figure as base64 PNG text; the figure is closed so it is
    not shown twice."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def front_end(name: str) -> str:
    """The JavaScript module of explorer ``name``: the shared controls of
    ``common.js`` followed by ``<name>.js``."""
    return "\n".join(
        (HERE / f"{part}.js").read_text(encoding="utf-8")
        for part in ("common", name)
    )


def check_int(argument: str, value, low: int, high: int) -> int:
    """``value`` if it is an int from ``low`` to ``high`` (what the slider of
    ``argument`` can show), else an error naming ``argument``, so that the
    static figure never shows a state the controls cannot."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{argument} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(
            f"{argument}={value} is outside the explorer's slider, which goes "
            f"from {low} to {high}"
        )
    return int(value)


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


class Explorer(anywidget.AnyWidget):
    """The common part of the explorers: displays as the live widget where
    widgets render (Jupyter, Colab, the website through its loader) and
    carries, as HTML, a static figure of its current state with a line of
    text, for pages that run no JavaScript.

    A subclass sets ``title`` and ``_esm`` (see :func:`front_end`) and
    implements ``static_figure()`` and ``describe()``.
    """

    title = "Explorer"
    # Names the explorer's fallback on the page, so that the website's loader
    # finds the widget state that belongs to it. Made from the explorer's kind
    # and starting state: the same on every run of the notebook.
    key = traitlets.Unicode().tag(sync=True)

    def _set_key(self, **state) -> None:
        text = json.dumps([type(self).__name__, state], sort_keys=True)
        digest = hashlib.sha1(text.encode()).hexdigest()[:12]
        self.key = f"{type(self).__name__.lower()}-{digest}"

    def static_figure(self):
        """A matplotlib Figure of the current state."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line of text: what the static figure shows."""
        raise NotImplementedError

    def fallback_html(self) -> str:
        """The static figure and its description, in an element the website's
        loader replaces with the live explorer."""
        text = html.escape(self.describe())
        png = figure_png(self.static_figure())
        return (
            f'<div class="{FALLBACK_CLASS}" data-explorer-key="{self.key}">'
            f'<img src="data:image/png;base64,{png}" alt="{text}" '
            'style="max-width: 100%">'
            f"<p><em>{html.escape(self.title)}</em>: {text}. With JavaScript "
            "on, its controls work on this page.</p></div>"
        )

    def _repr_mimebundle_(self, **kwargs):
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/html"] = self.fallback_html()
        data["text/plain"] = f"[{self.title}: interactive explorer]"
        return data, metadata

    if hasattr(anywidget.AnyWidget, "_ipython_display_"):  # ipywidgets 7

        def _ipython_display_(self, **kwargs):
            """ipywidgets 7 (Colab's) shows a widget through this hook, which
            would leave out the static figure: show the whole bundle."""
            data, metadata = self._repr_mimebundle_()
            display(data, metadata=metadata, raw=True)
            self._handle_displayed(**kwargs)


def show_explorer(explorer: Explorer) -> None:
    """Display ``explorer``: live controls in Jupyter, on Colab and on the
    website, a static figure where no JavaScript runs (chapters 1-3)."""
    display(explorer)


# the explorers, imported last: their modules use the functions above
from .kernels import KernelExplorer, kernel_explorer  # noqa: E402, F401
from .output_size import (  # noqa: E402, F401  (chapter 2)
    OutputSizeExplorer,
    draw_windows,
    output_size_explorer,
)
from .pooling import PoolingExplorer, pooling_explorer  # noqa: E402, F401
