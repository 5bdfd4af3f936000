"""helpers.glue: myst-nb's own glue where installed; without myst-nb (Colab)
a stand-in that shows the value when asked and never fails. What the
notebooks glue is a number, a label or one of helpers.glue.PHRASES, each
translated before any run picks it (tests/test_translations.py checks the
catalogue)."""

import importlib
import json
import re
import sys
from pathlib import Path

import pytest

import helpers.glue
from helpers.train import verdict

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GLUED = "application/papermill.record/text/plain"
# Keys whose value is a label, shown as the code prints it: class names and
# chapter 5's names of its model variants.
LABELS = {"best_name", "weak1", "weak1_as", "weak2", "weak2_as"}


def test_it_is_myst_nb_glue_when_myst_nb_is_installed():
    import myst_nb

    assert helpers.glue.glue is myst_nb.glue


def test_without_myst_nb_glue_only_shows_the_value(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import fails
    try:
        module = importlib.reload(helpers.glue)
        assert module.glue.__module__ == "helpers.glue"
        module.glue("hidden", 12345, display=False)
        assert "12345" not in capsys.readouterr().out
        module.glue("shown", 67890)
        assert "67890" in capsys.readouterr().out
    finally:
        monkeypatch.undo()
        importlib.reload(helpers.glue)


def test_every_verdict_is_a_phrase():
    said = {
        verdict([2], [1]),
        verdict([1], [2]),
        verdict([1, 3], [2]),
        verdict([2, 3], [1, 2], paired=True),
    }
    assert said == set(helpers.glue.PHRASES["verdict"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glued_words_are_phrases_or_labels(path):
    phrases = {
        repr(p) for group in helpers.glue.PHRASES.values() for p in group
    }
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            value = output.get("data", {}).get(GLUED, "")
            if key and re.search(r"[A-Za-z]{2,}", value):
                assert value in phrases or key in LABELS, (key, value)
