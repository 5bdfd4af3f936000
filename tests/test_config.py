"""helpers.config: yes/no variables, seeding of every generator, epochs in
quick mode, the data folder variable and the page width of messages."""

import random

import numpy as np
import pytest
import torch

import helpers
from helpers import config


@pytest.mark.parametrize("name,read", [(config.QUICK_ENV, config.is_quick),
                                       (config.OFFLINE_ENV, config.offline)])
def test_yes_no_variables_read_every_spelling_and_refuse_others(
        monkeypatch, name, read):
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
        with pytest.raises(ValueError, match=f"{name}='{value}'"):
            read()


def draws():
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


@pytest.mark.parametrize("which", ["random", "numpy", "torch"])
def test_set_seed_seeds_each_generator(which):
    k = ["random", "numpy", "torch"].index(which)
    helpers.set_seed(7)
    first = draws()[k]
    draws()  # move every generator on
    helpers.set_seed(7)
    assert draws()[k] == first
    helpers.set_seed(8)
    assert draws()[k] != first


def test_set_seed_returns_a_generator_seeded_alike():
    g = helpers.set_seed(5)
    assert g.initial_seed() == 5
    assert torch.equal(torch.randperm(9, generator=g),
                       torch.randperm(9, generator=helpers.set_seed(5)))


def test_quick_mode_caps_the_epochs_and_never_raises_them(monkeypatch):
    monkeypatch.setenv(config.QUICK_ENV, "1")
    assert [helpers.epochs(10), helpers.epochs(10, quick=3),
            helpers.epochs(2, quick=5), helpers.epochs(1)] == [1, 3, 2, 1]
    monkeypatch.setenv(config.QUICK_ENV, "0")
    assert [helpers.epochs(10), helpers.epochs(10, quick=3),
            helpers.epochs(2, quick=5)] == [10, 10, 2]
    for full, quick in [(0, 1), (-3, 1), (5, 0)]:
        with pytest.raises(ValueError, match="at least 1"):
            helpers.epochs(full, quick)


def test_a_data_folder_variable_that_is_a_file_or_spaced_names_itself(
        monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    for value, says in [(str(tmp_path / "a-file"), "is a file"),
                        (f" {tmp_path}", "spaces"),
                        (f"{tmp_path} ", "spaces")]:
        monkeypatch.setenv(config.DATA_ENV, value)
        with pytest.raises(ValueError, match=f"{config.DATA_ENV}=.*{says}"):
            helpers.data_dir()
    monkeypatch.setenv(config.DATA_ENV, str(tmp_path / "not-yet"))
    assert helpers.data_dir() == tmp_path / "not-yet"  # made when needed
    monkeypatch.setenv(config.DATA_ENV, "~/books-data")
    assert helpers.data_dir() == config.Path.home() / "books-data"


def test_say_wraps_messages_to_the_page_without_breaking_names(capsys):
    name = "/a/very/long/path/" + "x" * 90
    config.say("word " * 40 + name + " end")
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= config.PAGE_WIDTH for line in lines
               if name not in line)
    assert any(line.strip() == name for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
