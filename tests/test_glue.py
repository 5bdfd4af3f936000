"""helpers.glue: myst-nb's own glue where installed; without myst-nb (Colab)
a stand-in that shows the value when asked and never fails."""

import importlib
import sys

import helpers.glue


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
