"""Unit tests of helpers run in quick mode, offline, with a data folder of their own."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("CNN_BOOK_QUICK", "1")
