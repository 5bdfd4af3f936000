"""``glue`` hands a value computed in a chapter to its prose (chapter 4):
myst-nb's own where it is installed; elsewhere (on Colab, say) no page is
built from the run. A glued value is a number, a label (a name as the code
prints it), or one of the ``PHRASES``, which the Chinese edition translates
before any run picks one.
"""

import IPython.display

#: The words a chapter may glue, ``verdict``'s results and the data and
#: weights of chapters 5 and 6 as (the real ones, the stand-in).
PHRASES = {
    "verdict": ("higher", "lower", "cannot tell"),
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
