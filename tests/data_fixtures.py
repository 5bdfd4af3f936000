"""Fixtures of the tests of helpers.data: their modules name this one in
``pytest_plugins``."""

import urllib.request

import pytest
from fake_data import no_network, write_debian_package

import helpers._offline as off


@pytest.fixture
def offline_machine(monkeypatch):
    """Downloads are attempted and fail, as on a machine without a network."""
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)


@pytest.fixture
def no_debian(monkeypatch, tmp_path):
    """Debian's package dataset-fashion-mnist is not installed."""
    monkeypatch.setattr(off, "DEBIAN_FASHION_MNIST", tmp_path / "no-package")


@pytest.fixture(scope="module")
def fake_debian(tmp_path_factory):
    """A fake Debian package whose labels are shifted by 3 from
    ``idx_files()``'s."""
    return write_debian_package(tmp_path_factory.mktemp("pkg"), shift=3)
