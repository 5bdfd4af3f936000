"""``glue``: hand a value computed in a chapter to its prose (chapter 4).

The website is built by Jupyter Book, whose myst-nb reads the values a
notebook glued and writes them into the text (``{glue:text}`key```). Where
myst-nb is installed, this is its own ``myst_nb.glue``. Elsewhere (on Colab,
say) no website is built from the run, so this module's own ``glue`` only
shows the value when asked to, and a chapter runs the same either way.
"""

from __future__ import annotations

try:
    from myst_nb import glue
except ImportError:  # pragma: no cover - myst-nb is installed with the book

    def glue(name: str, variable, display: bool = True) -> None:
        """Show ``variable`` if ``display``; without myst-nb nothing else
        happens (there is no website to fill in)."""
        if display:
            from IPython.display import display as show

            show(variable)


__all__ = ["glue"]
