"""helpers.plot draws what it is given and refuses wrong shapes; helpers.config settings."""

from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import helpers
from helpers import config
from helpers.plot import (plot_confusion_matrix, plot_history, show_batch, show_feature_maps, show_kernels,
                          show_predictions)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def captions(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_show_batch_captions_each_image_with_its_class_name():
    images, labels = torch.rand(10, 3, 32, 32), torch.arange(10) % 3
    fig = show_batch(images, labels, ["a", "b", "c"], nrow=5)
    assert captions(fig) == ["a", "b", "c"] * 3 + ["a"]
    grid = fig.axes[0].images[0].get_array()
    pad = 4  # 14% of the image height, the room left for captions
    assert grid.shape == (2 * (32 + pad) + pad, 5 * (32 + pad) + pad, 3)  # make_grid: 2 rows, 5 columns


def test_show_batch_takes_a_loader_and_undoes_normalisation():
    x = torch.full((4, 1, 8, 8), 0.5)
    fig = show_batch(DataLoader(TensorDataset((x - 0.5) / 0.25, torch.zeros(4, dtype=torch.long)), batch_size=4),
                     class_names=["zero"], mean=[0.5], std=[0.25])
    assert captions(fig) == ["zero"] * 4
    assert fig.axes[0].images[0].get_array()[5, 5, 0] == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [torch.rand(3, 32, 32), torch.rand(2, 4, 8, 8), [1, 2]])
def test_show_batch_refuses_wrong_shapes(bad):
    with pytest.raises(ValueError, match=r"\[N, 1 or 3, H, W\]"):
        show_batch(bad)


def test_show_predictions_marks_mistakes_in_red():
    fig = show_predictions(torch.rand(3, 1, 8, 8), torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), ["x", "y"])
    assert captions(fig) == ["x", "x (y)", "y"]
    assert [t.get_color() for t in fig.axes[0].texts] == ["green", "red", "green"]


def test_plot_history_single_run_and_comparison():
    h = {"epoch": [1, 2], "train_loss": [1.0, 0.5], "train_acc": [0.5, 0.7], "val_loss": [1.1, 0.6],
         "val_acc": [0.4, 0.6], "seconds": [1, 1]}
    fig = plot_history(h)
    assert len(fig.axes[0].lines) == 2
    fig = plot_history({"a": h, "b": h})
    assert len(fig.axes[1].lines) == 4
    assert {t.get_text() for t in fig.axes[1].get_legend().texts} == {"a: train", "a: test", "b: train", "b: test"}


def test_confusion_matrix_figure_rows_sum_to_one():
    fig = plot_confusion_matrix(torch.tensor([[3, 1], [0, 4]]), ["p", "q"])
    shown = fig.axes[0].images[0].get_array()
    assert shown.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])


def test_kernels_and_feature_maps_check_their_shapes():
    fig = show_kernels(torch.randn(6, 1, 5, 5), nrow=3)
    assert fig.axes[0].images[0].get_array().shape == (2 * 6 + 1, 3 * 6 + 1)
    show_feature_maps(torch.randn(4, 7, 7))
    with pytest.raises(ValueError):
        show_kernels(torch.randn(6, 5, 5))
    with pytest.raises(ValueError):
        show_feature_maps(torch.randn(1, 4, 7, 7))


def test_quick_mode_and_epochs(monkeypatch):
    monkeypatch.setenv(config.QUICK_ENV, "1")
    assert helpers.is_quick() and helpers.epochs(10) == 1 and helpers.epochs(10, quick=2) == 2
    monkeypatch.setenv(config.QUICK_ENV, "0")
    assert not helpers.is_quick() and helpers.epochs(10) == 10
    with pytest.raises(ValueError):
        helpers.epochs(0)


def test_data_dir_env_and_default(monkeypatch, tmp_path):
    monkeypatch.setenv(config.DATA_ENV, str(tmp_path))
    assert helpers.data_dir() == tmp_path
    monkeypatch.delenv(config.DATA_ENV)
    assert helpers.data_dir() == Path(config.__file__).resolve().parent.parent / "data"


def test_set_seed_makes_random_numbers_repeat():
    g = helpers.set_seed(7)
    a = (torch.rand(3), torch.randperm(5, generator=g))
    g = helpers.set_seed(7)
    assert torch.equal(a[0], torch.rand(3)) and torch.equal(a[1], torch.randperm(5, generator=g))


def test_get_device_is_a_usable_device():
    device = helpers.get_device()
    assert torch.zeros(1, device=device).device.type == device.type
