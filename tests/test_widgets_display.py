"""Every explorer displays a note and a bundle carrying a static PNG, leaving no figure open."""

import base64

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.widgets import NOTE, _WithStaticFigure, kernel_explorer, output_size_explorer, pooling_explorer

PNG_MAGIC = b"\x89PNG"


@pytest.mark.parametrize("show,title", [
    (lambda: kernel_explorer(torch.arange(5.0).repeat(4, 1) / 4), "3x3 kernels on a photograph"),
    (lambda: pooling_explorer(torch.rand(11, 13)), "Pooling explorer"),
    (output_size_explorer, "Output-size explorer"),
], ids=["kernels", "pooling", "output_size"])
def test_explorer_displays_a_note_and_a_static_png(monkeypatch, show, title):
    shown = []
    monkeypatch.setattr("helpers.widgets.display", lambda obj: shown.append(obj))
    open_before = len(plt.get_fignums())
    show()
    assert len(shown) == 2 and shown[0].data == NOTE
    bundle = shown[1]
    assert isinstance(bundle, _WithStaticFigure)
    data = bundle._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]).startswith(PNG_MAGIC)
    assert data["text/plain"] == f"[{title}: interactive explorer]"
    assert len(plt.get_fignums()) == open_before  # every figure was closed, none is shown twice
