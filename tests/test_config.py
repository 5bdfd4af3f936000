"""The settings in helpers: yes/no variables, seeding of every generator,
epochs in quick mode, the data folder and the page width of messages."""

import random
from pathlib import Path

import numpy as np
import pytest
import torch

import helpers


@pytest.mark.parametrize("name", [helpers.QUICK_ENV, helpers.OFFLINE_ENV])
def test_yes_no_variables_read_every_spelling_and_refuse_others(
    monkeypatch, name
):
    read = helpers.is_quick if name == helpers.QUICK_ENV else helpers.offline
    for value in ["1", "true", "TRUE", "Yes", "on", " 1 "]:
        monkeypatch.setenv(name, value)
        assert read() is True, value
    for value in ["0", "false", "False", "no", "OFF", ""]:
        monkeypatch.setenv(name, value)
        assert read() is False, value
    monkeypatch.delenv(name)
    assert read() is False
    for value in ["2", "ture", "y es", "quick"]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            read()


def draws():
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


@pytest.mark.parametrize("k", [0, 1, 2])  # random, numpy, torch
def test_set_seed_seeds_each_generator(k):
    helpers.set_seed(7)
    first = draws()[k]
    draws()  # move every generator on
    helpers.set_seed(7)
    assert draws()[k] == first
    helpers.set_seed(8)
    assert draws()[k] != first
    g = helpers.set_seed(5)
    assert torch.equal(
        torch.randperm(9, generator=g),
        torch.randperm(9, generator=helpers.set_seed(5)),
    )


def test_quick_mode_caps_the_epochs_and_never_raises_them(monkeypatch):
    monkeypatch.setenv(helpers.QUICK_ENV, "1")
    got = [helpers.epochs(10), helpers.epochs(10, 3), helpers.epochs(2, 5)]
    assert got == [1, 3, 2]
    assert helpers.epochs(1) == 1  # one epoch is a valid run
    monkeypatch.setenv(helpers.QUICK_ENV, "0")
    assert [helpers.epochs(10), helpers.epochs(10, 3)] == [10, 10]
    assert helpers.epochs(1) == 1
    for full, quick in [(0, 1), (-3, 1), (5, 0)]:
        refused = full if full < 1 else quick  # the message names it
        with pytest.raises(ValueError, match=str(refused)):
            helpers.epochs(full, quick)


def test_the_data_folder_is_the_variable_else_the_repositorys(
    monkeypatch, tmp_path
):
    monkeypatch.setenv(helpers.DATA_ENV, str(tmp_path / "not-yet"))
    assert helpers.data_dir() == tmp_path / "not-yet"  # made when needed
    monkeypatch.setenv(helpers.DATA_ENV, "~/books-data")
    assert helpers.data_dir() == Path.home() / "books-data"
    monkeypatch.delenv(helpers.DATA_ENV)
    assert helpers.data_dir() == Path(helpers.__file__).parent.parent / "data"


def test_say_wraps_messages_to_the_page_without_breaking_names(capsys):
    name = "/a/very/long/path/" + "x" * 90
    helpers.say("word " * 40 + name + " end")
    lines = capsys.readouterr().out.splitlines()
    assert all(
        len(line) <= helpers.PAGE_WIDTH for line in lines if name not in line
    )
    assert any(line.strip() == name for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
    # and the lines use the page's width
    assert max(len(line) for line in lines if name not in line) > 75


def test_an_empty_data_variable_is_unset_and_colab_uses_its_working_folder(
    monkeypatch, tmp_path
):
    """Without the book's repository around helpers (e.g. on Colab), datasets
    go to ``data/`` in the working folder, as an absolute path."""
    monkeypatch.setenv(helpers.DATA_ENV, "")
    assert helpers.data_dir() == Path(helpers.__file__).parent.parent / "data"
    monkeypatch.setattr(helpers, "__file__", str(tmp_path / "h/__init__.py"))
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path / "content")
    assert helpers.data_dir() == tmp_path / "content" / "data"
    (tmp_path / "_config.yml").touch()  # a book's repository after all
    assert helpers.data_dir() == tmp_path / "data"


@pytest.mark.parametrize(
    "cuda, mps, expected",
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_the_device_is_cuda_then_mps_then_the_cpu(
    monkeypatch, cuda, mps, expected
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert helpers.get_device() == torch.device(expected)


def test_the_default_seed_is_0():
    helpers.set_seed()
    first = draws()
    helpers.set_seed(0)
    assert draws() == first


def test_say_keeps_hyphenated_names_whole(capsys):
    name = "a-very-long-hyphenated-name-" * 2 + "of-a-setting"
    helpers.say("word " * 12 + name + " end")
    assert name in capsys.readouterr().out.split()
