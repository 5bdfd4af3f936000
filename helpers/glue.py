"""``glue``: hand a value computed in a chapter to its prose (chapter 4).

The website is built by Jupyter Book, whose myst-nb reads the values a
notebook glued and writes them into the text (``{glue:text}`key```). Where
myst-nb is installed, this is its own ``myst_nb.glue``. Elsewhere (on Colab,
say) no website is built from the run, so this module's own ``glue`` only
shows the value when asked to, and a chapter runs the same either way.

A glued value is a number, a label (a class or model name, shown as the
code prints it), or one of the phrases of ``PHRASES``, never a sentence of
its own: the Chinese edition translates every phrase before any run picks
one, so that no run can put English words into a translated page.
"""

from __future__ import annotations

import IPython.display

#: The closed sets of words a chapter may glue into its prose, by what they
#: say. ``python tools/locales.py update`` puts each phrase into the
#: translation catalogues, whichever one the stored run chose.
PHRASES = {
    # helpers.train.verdict: the book's rule for two results over seeds
    "verdict": ("higher", "lower", "cannot tell"),
    # the data and weights a run had, each as (the real one, its stand-in):
    # chapter 5's data, VGG16's weights and the cat and dog photographs of
    # chapter 6
    "cifar10_data": ("real CIFAR-10", "Tinted Fashion-MNIST stand-in"),
    "vgg16_weights": (
        "its ImageNet weights",
        "untrained weights (a stand-in)",
    ),
    "pet_photos": (
        "Oxford-IIIT Pet",
        "a stand-in (crops of sample photographs)",
    ),
}

try:
    from myst_nb import glue
except ImportError:  # e.g. on Colab: no page is built from the run

    def glue(name: str, variable, display: bool = True) -> None:
        """Show ``variable`` if ``display``; there is no page to fill in."""
        if display:
            IPython.display.display(variable)


__all__ = ["PHRASES", "glue"]
