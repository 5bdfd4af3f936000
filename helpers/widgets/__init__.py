"""The interactive explorers of chapters 1-3, live in Jupyter, on Colab and on
the book's website.

An explorer is an ``anywidget`` widget: its controls are traitlets, and its
front end, the ``.js`` files next to this one, computes and draws everything in
the browser, so that the website runs it with no Python kernel (its loader,
``site_js/explorers.js``, starts the module stored in the page). The Python
side holds the state an explorer starts from, refusing a start its controls
cannot show, and a fixed text saying what the explorer shows, for pages where
no JavaScript runs and for the search index.
"""

from __future__ import annotations

import hashlib
import html
import json
import numbers
from pathlib import Path

import anywidget
import traitlets
from IPython.display import display

HERE = Path(__file__).parent
# The HTML class of an explorer's fallback text on a page; the website's loader
# (site_js/explorers.js) puts the live explorer in its place.
FALLBACK_CLASS = "cnn-explorer"


def front_end(name: str) -> str:
    """The JavaScript module of explorer ``name``: the shared controls of
    ``common.js`` followed by ``<name>.js``."""
    return "\n".join((HERE / f"{part}.js").read_text(encoding="utf-8")
                     for part in ("common", name))


def check_int(argument: str, value, low: int, high: int) -> int:
    """``value`` if it is an int from ``low`` to ``high``, the range of the
    slider of ``argument``; else an error naming ``argument``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{argument} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{argument}={value} is outside the explorer's "
                         f"slider, which goes from {low} to {high}")
    return int(value)


def check_choice(argument: str, value, options) -> None:
    """Refuse, naming ``argument``, a ``value`` that is not one of the
    control's ``options``."""
    if (isinstance(value, bool) != isinstance(options[0], bool)
            or value not in options):
        raise ValueError(f"{argument} must be one of "
                         f"{', '.join(map(repr, options))}; got {value!r}")


class Explorer(anywidget.AnyWidget):
    """What the explorers share: the live widget where widgets render
    (Jupyter, Colab, the website through its loader), and a line of text
    where they do not. A subclass sets ``title``, ``about`` (what it shows)
    and ``_esm`` (see :func:`front_end`), and passes its starting state to
    ``__init__``."""

    title = "Explorer"
    about = ""
    # Names the explorer's fallback on the page, so that the website's loader
    # finds the widget state that belongs to it: made from the explorer's kind
    # and starting state, the same on every run of the notebook.
    key = traitlets.Unicode().tag(sync=True)

    def __init__(self, **state):
        super().__init__(**state)
        text = json.dumps([type(self).__name__, state], sort_keys=True)
        digest = hashlib.sha1(text.encode()).hexdigest()[:12]
        self.key = f"{type(self).__name__.lower()}-{digest}"

    def _repr_mimebundle_(self, **kwargs):
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/html"] = (
            f'<div class="{FALLBACK_CLASS}" data-explorer-key="{self.key}">'
            f"<p><strong>{html.escape(self.title)}</strong>: "
            f"{html.escape(self.about)} Its controls appear where the cell "
            "runs (in Jupyter or on Colab) and on the book's website with "
            "JavaScript on.</p></div>")
        data["text/plain"] = f"[{self.title}: interactive explorer]"
        return data, metadata

    if hasattr(anywidget.AnyWidget, "_ipython_display_"):  # ipywidgets 7

        def _ipython_display_(self, **kwargs):
            """ipywidgets 7 (Colab's) shows a widget through this hook, which
            would leave out the fallback: show the whole bundle."""
            data, metadata = self._repr_mimebundle_()
            display(data, metadata=metadata, raw=True)
            self._handle_displayed(**kwargs)


# the explorers, imported last: their modules use the names above
from .kernels import KERNELS, KernelExplorer, kernel_explorer  # noqa: E402, F401
from .output_size import (  # noqa: E402, F401
    OutputSizeExplorer,
    output_size_explorer,
)
from .pooling import PoolingExplorer, pooling_explorer  # noqa: E402, F401
