"""helpers.data: sources in order, stand-ins that are honest and learnable, nothing half-written."""

import gzip
import shutil
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets

import helpers.data as hd


DEBIAN = hd.DEBIAN_FASHION_MNIST
needs_debian = pytest.mark.skipif(not DEBIAN.is_dir(), reason="Debian package dataset-fashion-mnist not installed")


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.fixture
def no_network(monkeypatch):
    """Every torchvision download fails as it does on a machine without a network."""
    def fail(*args, **kwargs):
        raise URLError("[Errno -2] Name or service not known")
    monkeypatch.setattr(hd.datasets.utils, "download_and_extract_archive", fail)
    for cls in (datasets.FashionMNIST, datasets.CIFAR10, datasets.OxfordIIITPet):
        monkeypatch.setattr(cls, "download" if hasattr(cls, "download") else "_download", fail)
    monkeypatch.setattr(datasets.OxfordIIITPet, "_download", fail)


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory):
    """One data folder for the tests that only read, so Fashion-MNIST is copied once."""
    return tmp_path_factory.mktemp("data")


@needs_debian
def test_fashion_mnist_comes_from_the_debian_package_then_the_data_folder(tmp_path, printed, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    train, test, classes, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "offline package" and not source.is_standin
    assert "Debian package" in printed()
    assert (len(train), len(test)) == (60000, 10000)
    assert classes == hd.FASHION_MNIST_CLASSES
    x, y = train[0]
    assert x.shape == (1, 28, 28) and 0 <= x.min() and x.max() <= 1 and y == 9  # the first image is an ankle boot
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".partial")]
    hd.fashion_mnist_datasets(root=tmp_path)
    assert "from the data folder" in printed()


def test_missing_fashion_mnist_without_network_is_a_clear_error_and_writes_nothing(tmp_path, monkeypatch, no_network):
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", tmp_path / "no-such-package")
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError, match="dataset-fashion-mnist"):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []


def test_a_download_cut_off_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", tmp_path / "no-such-package")
    monkeypatch.delenv(hd.OFFLINE_ENV, raising=False)

    def cut_off(self):
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True)
        (raw / "train-images-idx3-ubyte").write_bytes(b"\x00" * 1000)  # a partial file
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(datasets.FashionMNIST, "download", cut_off)
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []

    def interrupted(self):
        Path(self.raw_folder).mkdir(parents=True)
        (Path(self.raw_folder) / "train-images-idx3-ubyte").write_bytes(b"\x00" * 1000)
        raise KeyboardInterrupt

    monkeypatch.setattr(datasets.FashionMNIST, "download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []


@needs_debian
def test_a_damaged_package_copy_is_not_used_and_leaves_nothing(tmp_path, monkeypatch, no_network):
    broken = tmp_path / "pkg"
    broken.mkdir()
    for f in DEBIAN.glob("*.gz"):
        (broken / f.name).write_bytes(f.read_bytes()[:5000])  # truncated archives
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", broken)
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []


def test_offline_flag_skips_the_download(tmp_path, monkeypatch):
    monkeypatch.setenv(hd.OFFLINE_ENV, "1")
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", tmp_path / "none")
    monkeypatch.setattr(datasets.FashionMNIST, "download", lambda self: pytest.fail("download attempted"))
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=tmp_path / "data")


def tiny_cnn(num_classes: int, channels: int = 3) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                         nn.Linear(512, num_classes))


def train_and_score(model, train_loader, test_loader, epochs: int) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for x, y in train_loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
    return correct / len(test_loader.dataset)


@needs_debian
def test_cifar_standin_is_honest_deterministic_and_learnable(shared_root, no_network, printed, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")  # all of the stand-in's images
    torch.manual_seed(0)
    train, test, classes, source = hd.cifar10_datasets(root=shared_root)
    assert source.is_standin and "STAND-IN" in printed()
    assert classes == hd.FASHION_MNIST_CLASSES  # its own names, not CIFAR-10's
    assert (len(train), len(test)) == hd.CIFAR_STANDIN_SIZES
    assert train[0][0].shape == (3, 32, 32)
    # torchvision's real CIFAR-10 loader does not mistake it for CIFAR-10
    assert not (shared_root / "cifar-10-batches-py").exists()
    with pytest.raises(RuntimeError):
        datasets.CIFAR10(shared_root, train=False)
    # the same seed writes the same data
    again = shared_root / "again"
    hd._write_cifar_standin(again, fm_root=shared_root)
    first = (shared_root / "standin" / hd.TintedFashionMNIST.base_folder / "test_batch").read_bytes()
    assert (again / hd.TintedFashionMNIST.base_folder / "test_batch").read_bytes() == first
    # a small CNN clearly beats chance (10%) after one short epoch
    tr = DataLoader(hd.subset(train, 3000), batch_size=64, shuffle=True)
    te = DataLoader(hd.subset(test, 500), batch_size=64)
    assert train_and_score(tiny_cnn(10), tr, te, epochs=2) > 0.5


def test_pet_standin_is_honest_balanced_and_learnable(shared_root, no_network, printed, monkeypatch):
    from torchvision import transforms
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")  # all of the stand-in's images
    torch.manual_seed(0)
    tf = transforms.Compose([transforms.Resize(64), transforms.ToTensor()])
    train, val, classes, source = hd.cats_vs_dogs_datasets(tf, per_class=None, test_per_class=None, root=shared_root)
    assert source.is_standin and "STAND-IN" in printed()
    assert classes == ["cat", "not_cat"]
    labels = [y for _, y in train]
    assert sorted(set(labels)) == [0, 1] and labels.count(0) == labels.count(1)
    assert not (shared_root / "standin" / "oxford-iiit-pet").exists()  # never under torchvision's folder name
    with pytest.raises(RuntimeError):
        datasets.OxfordIIITPet(shared_root / "standin")
    tr, te = DataLoader(train, batch_size=16, shuffle=True), DataLoader(val, batch_size=16)
    assert train_and_score(tiny_cnn(2), tr, te, epochs=4) > 0.75


def test_balanced_subsets_per_class(shared_root, no_network):
    train, val, _, _ = hd.cats_vs_dogs_datasets(per_class=7, test_per_class=3, root=shared_root)
    assert len(train) == 14 and len(val) == 6
    train, val, _, _ = hd.cats_vs_dogs_datasets(per_class=None, test_per_class=None, root=shared_root)
    assert (len(train), len(val)) == hd.QUICK_SIZES["cats_vs_dogs"]  # quick mode keeps fewer


def test_quick_mode_shrinks_inside_the_datasets_functions(monkeypatch):
    data = torch.utils.data.TensorDataset(torch.arange(100).float(), torch.arange(100))
    monkeypatch.setattr(hd, "QUICK_SIZES", {"toy": (20, 10)})
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    train, test = hd._quick("toy", data, data)
    assert (len(train), len(test)) == (20, 10)
    assert [int(y) for _, y in train] == [int(y) for _, y in hd._quick("toy", data, data)[0]]  # fixed
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    assert hd._quick("toy", data, data) == (data, data)


def test_subset_is_fixed_ordered_and_refuses_nonsense():
    data = list(range(50))
    picked = hd.subset(data, 10, seed=3)
    assert len(picked) == 10 and list(picked.indices) == sorted(picked.indices)
    assert list(picked.indices) == list(hd.subset(data, 10, seed=3).indices)
    assert hd.subset(data, 80) is data
    with pytest.raises(ValueError, match="n must be"):
        hd.subset(data, 0)

