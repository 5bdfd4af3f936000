"""Unit tests of helpers run in quick mode, offline, with a data folder of
their own."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("CNN_BOOK_QUICK", "1")


@pytest.fixture
def printed(capsys):
    """``printed()`` is what the code under test printed so far, with the
    line breaks and indents of wrapped messages (``helpers.say``)
    undone."""
    return lambda: " ".join(capsys.readouterr().out.split())
