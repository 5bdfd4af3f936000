"""helpers.data: sources in order, stand-ins that are honest and learnable and
whose labels belong to their images, nothing half-written."""

import gzip
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from fake_data import (
    BAR_ROWS,
    idx_files,
    write_cifar_folder,
    write_fashion_mnist,
    write_pet_folder,
)
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import helpers._offline as off
import helpers.data as hd

pytest_plugins = ["data_fixtures"]

DEBIAN = off.DEBIAN_FASHION_MNIST
needs_debian = pytest.mark.skipif(
    not DEBIAN.is_dir(),
    reason="Debian package dataset-fashion-mnist not installed")


def files_under(path: Path) -> list[Path]:
    """The files under ``path``, but the lock file."""
    return sorted(p for p in path.rglob("*")
                  if p.is_file() and p.name != off.LOCK_NAME)


@pytest.fixture
def never_download(monkeypatch):
    def fail(*args, **kwargs):
        pytest.fail("a download was attempted")
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", fail)


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory):
    """One data folder for the tests that only read, so stand-ins are made
    once."""
    return tmp_path_factory.mktemp("data")


# ------------------------------------------------------ Fashion-MNIST

@needs_debian
def test_fashion_mnist_comes_from_the_debian_package_then_the_data_folder(
        tmp_path, printed, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    train, test, classes, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "offline package" and not source.is_standin
    assert "Debian package" in printed()
    assert (len(train), len(test)) == (60000, 10000)
    assert classes == hd.FASHION_MNIST_CLASSES
    x, y = train[0]
    assert x.shape == (1, 28, 28) and 0 <= x.min() and x.max() <= 1
    assert y == 9  # the first image is an ankle boot
    assert not list(tmp_path.glob(".partial*"))
    hd.fashion_mnist_datasets(root=tmp_path)
    assert "from the data folder" in printed()


def test_a_filled_data_folder_is_used_with_no_debian_copy_or_download(
        tmp_path, monkeypatch, fake_debian, never_download, printed):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    monkeypatch.setattr(off, "DEBIAN_FASHION_MNIST", fake_debian)
    raw = write_fashion_mnist(tmp_path)
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    train, test, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "data folder" and "from the data folder" in printed()
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before
    assert [train[i][1] for i in range(3)] == [0, 7, 4]  # not the package's


def test_the_debian_copy_comes_before_the_download(
        tmp_path, monkeypatch, fake_debian, never_download, printed):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    monkeypatch.setattr(off, "DEBIAN_FASHION_MNIST", fake_debian)
    train, _, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "offline package" and "Debian" in printed()
    assert [train[i][1] for i in range(3)] == [3, 0, 7]  # the package's
    assert not list(tmp_path.glob(".partial*"))


def test_without_debian_the_download_fills_the_data_folder(
        tmp_path, monkeypatch, no_debian, printed):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")

    def download(self):
        write_fashion_mnist(Path(self.root), shift=5)
    monkeypatch.setattr(datasets.FashionMNIST, "download", download)
    train, _, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "download" and "downloaded" in printed()
    assert train[0][1] == 5
    assert [p.name for p in files_under(tmp_path)] == sorted(idx_files())


def test_missing_fashion_mnist_offline_is_a_clear_error_and_writes_nothing(
        tmp_path, no_debian, offline_machine):
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError, match="dataset-fashion-mnist"):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []


def test_a_download_cut_off_midway_leaves_nothing_behind(
        tmp_path, monkeypatch, no_debian):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)

    def cut_off(self):
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True)
        (raw / "train-images-idx3-ubyte").write_bytes(b"\x00" * 1000)
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(datasets.FashionMNIST, "download", cut_off)
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []

    def interrupted(self):
        Path(self.raw_folder).mkdir(parents=True)
        (Path(self.raw_folder) / "train-images-idx3-ubyte").write_bytes(b"0")
        raise KeyboardInterrupt

    monkeypatch.setattr(datasets.FashionMNIST, "download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []


def truncated_archive(name: str, gz: bytes) -> bytes:
    return gz[:5000]


def archive_of_another_file(name: str, gz: bytes) -> bytes:
    """A whole archive, but the test labels hold the training labels."""
    if name.startswith("t10k-labels"):
        return gzip.compress(idx_files()["train-labels-idx1-ubyte"])
    return gz


@pytest.mark.parametrize("damage", [truncated_archive,
                                    archive_of_another_file])
def test_a_damaged_package_copy_is_not_used_and_leaves_nothing(
        tmp_path, monkeypatch, fake_debian, offline_machine, printed, damage):
    broken = tmp_path / "pkg"
    broken.mkdir()
    for f in fake_debian.glob("*.gz"):
        (broken / f.name).write_bytes(damage(f.name, f.read_bytes()))
    monkeypatch.setattr(off, "DEBIAN_FASHION_MNIST", broken)
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=root)
    assert "is damaged" in printed()
    assert files_under(root) == []


def test_offline_flag_skips_the_download(tmp_path, monkeypatch, no_debian):
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    monkeypatch.setattr(datasets.FashionMNIST, "download",
                        lambda self: pytest.fail("download attempted"))
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=tmp_path / "data")


# ------------------------------------------------------ CIFAR-10

def test_a_cifar_folder_in_the_data_folder_is_used_with_no_download(
        tmp_path, monkeypatch, never_download, printed):
    write_cifar_folder(tmp_path / "cifar-10-batches-py")
    for attr in ("train_list", "test_list"):  # the fake has no real checksums
        monkeypatch.setattr(datasets.CIFAR10, attr, [
            [name, None] for name, _ in getattr(datasets.CIFAR10, attr)])
    monkeypatch.setattr(datasets.CIFAR10, "meta",
                        {**datasets.CIFAR10.meta, "md5": None})
    train, test, classes, source = hd.cifar10_datasets(root=tmp_path)
    assert source.kind == "data folder" and "data folder" in printed()
    assert (len(train), len(test)) == (100, 20) and classes[0] == "a"
    assert not (tmp_path / "standin").exists()


def tiny_cnn(num_classes: int, channels: int = 3) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                         nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
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
        correct = sum((model(x).argmax(1) == y).sum().item()
                      for x, y in test_loader)
    return correct / len(test_loader.dataset)


@needs_debian
def test_cifar_standin_is_honest_deterministic_and_learnable(
        shared_root, offline_machine, printed, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")  # all of the stand-in's images
    torch.manual_seed(0)
    train, test, classes, source = hd.cifar10_datasets(root=shared_root)
    message = printed()
    assert source.is_standin and "STAND-IN" in message
    # one plain line: no raw network error from the failed download
    assert "URLError" not in message and "Errno" not in message
    assert classes == hd.FASHION_MNIST_CLASSES  # its own names, not CIFAR-10's
    assert (len(train), len(test)) == off.CIFAR_STANDIN_SIZES
    assert train[0][0].shape == (3, 32, 32)
    # torchvision's real CIFAR-10 loader does not mistake it for CIFAR-10
    assert not (shared_root / "cifar-10-batches-py").exists()
    with pytest.raises(RuntimeError):
        datasets.CIFAR10(shared_root, train=False)
    # the same seed writes the same data
    folder = hd.TintedFashionMNIST.base_folder
    hd._write_cifar_standin(shared_root / "again", fashion_root=shared_root)
    first = (shared_root / "standin" / folder / "test_batch").read_bytes()
    assert (shared_root / "again" / "test_batch").read_bytes() == first
    # a small CNN clearly beats chance (10%) after two short epochs
    tr = DataLoader(hd.subset(train, 3000), batch_size=64, shuffle=True)
    te = DataLoader(hd.subset(test, 500), batch_size=64)
    assert train_and_score(tiny_cnn(10), tr, te, epochs=2) > 0.5


def test_each_cifar_standin_label_belongs_to_the_garment_under_the_tint(
        tmp_path, monkeypatch, offline_machine):
    """The fake garment of class c is a bar 2 (c + 1) pixels wide: count the
    bright pixels of each tinted image to read its garment's class."""
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    monkeypatch.setattr(off, "CIFAR_STANDIN_SIZES", (500, 300))
    write_fashion_mnist(tmp_path)
    train, test, _, _ = hd.cifar10_datasets(root=tmp_path)
    for split in (train, test):
        x = np.stack([np.asarray(img) for img in split.data])  # [N, 32, 32, 3]
        gray = x.mean(axis=3)
        middle = (gray.min(axis=(1, 2)) + gray.max(axis=(1, 2))) / 2
        bright = (gray > middle[:, None, None]).sum(axis=(1, 2))
        garment = np.round(bright / (2 * BAR_ROWS)).astype(int) - 1
        assert (garment == np.asarray(split.targets)).all()
        assert len(set(split.targets)) == 10


# ------------------------------------------------------ cats vs dogs

def test_pet_standin_is_honest_balanced_and_learnable(
        shared_root, offline_machine, printed, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")  # all of the stand-in's images
    torch.manual_seed(0)
    tf = transforms.Compose([transforms.Resize(64), transforms.ToTensor()])
    train, val, classes, source = hd.cats_vs_dogs_datasets(
        tf, per_class=None, test_per_class=None, root=shared_root)
    assert source.is_standin and "STAND-IN" in printed()
    assert classes == ["cat", "not_cat"]
    labels = [y for _, y in train]
    assert sorted(set(labels)) == [0, 1]
    assert labels.count(0) == labels.count(1)
    # never where torchvision looks for the real dataset
    for root in (shared_root, shared_root / "standin"):
        with pytest.raises(RuntimeError):
            datasets.OxfordIIITPet(root)
    tr = DataLoader(train, batch_size=16, shuffle=True)
    te = DataLoader(val, batch_size=16)
    assert train_and_score(tiny_cnn(2), tr, te, epochs=4) > 0.75


def test_the_pet_standin_cats_are_cut_from_the_cat_photo(
        tmp_path, monkeypatch, offline_machine):
    from skimage import data as skdata
    cats, others = off.standin_photos()
    assert len(cats) == 1 and np.array_equal(cats[0], skdata.chelsea())
    assert not any(p.shape == cats[0].shape and np.array_equal(p, cats[0])
                   for p in others)
    red = np.zeros((100, 120, 3), np.uint8)
    red[..., 0] = 200
    blue = np.zeros((100, 120, 3), np.uint8)
    blue[..., 2] = 200
    monkeypatch.setattr(off, "standin_photos", lambda: ([red], [blue, blue]))
    train, test, _, _ = hd.cats_vs_dogs_datasets(per_class=5, test_per_class=5,
                                                 root=tmp_path)
    for split in (train, test):
        for x, y in split:
            r, _, b = x.mean(dim=(1, 2))
            assert (r > b) == (y == 0)


def test_real_pets_in_the_data_folder_are_used_with_labels_from_the_species(
        tmp_path, never_download, printed):
    write_pet_folder(tmp_path / "oxford-iiit-pet")
    train, test, classes, source = hd.cats_vs_dogs_datasets(
        per_class=None, test_per_class=None, root=tmp_path)
    assert source.kind == "data folder" and "data folder" in printed()
    assert classes == ["cat", "dog"]
    assert len(train) == 6 and len(test) == 3
    for split in (train, test):
        for x, y in split:
            r, _, b = x.mean(dim=(1, 2))
            assert (r > b) == (y == 0)  # cats are the red images
    assert not (tmp_path / "standin").exists()
    train, _, _, _ = hd.cats_vs_dogs_datasets(per_class=1, root=tmp_path)
    assert sorted(y for _, y in train) == [0, 1]


def test_balanced_subsets_per_class(shared_root, offline_machine):
    train, val, _, _ = hd.cats_vs_dogs_datasets(per_class=7, test_per_class=3,
                                                root=shared_root)
    assert len(train) == 14 and len(val) == 6
    assert sorted(y for _, y in val) == [0, 0, 0, 1, 1, 1]
    train, val, _, _ = hd.cats_vs_dogs_datasets(
        per_class=None, test_per_class=None, root=shared_root)
    assert (len(train), len(val)) == hd.QUICK_SIZES["cats_vs_dogs"]


# ------------------------------------------------------ subsets

def test_quick_mode_shrinks_inside_the_datasets_functions(monkeypatch):
    data = torch.utils.data.TensorDataset(torch.arange(100).float(),
                                          torch.arange(100))
    monkeypatch.setattr(hd, "QUICK_SIZES", {"toy": (20, 10)})
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    train, test = hd._quick("toy", data, data)
    assert (len(train), len(test)) == (20, 10)
    again = hd._quick("toy", data, data)[0]
    assert [int(y) for _, y in train] == [int(y) for _, y in again]  # fixed
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    assert hd._quick("toy", data, data) == (data, data)


def test_subset_is_fixed_ordered_and_refuses_nonsense():
    data = list(range(50))
    picked = hd.subset(data, 10, seed=3)
    assert len(picked) == 10 and list(picked.indices) == sorted(picked.indices)
    assert list(picked.indices) == list(hd.subset(data, 10, seed=3).indices)
    assert list(picked.indices) != list(hd.subset(data, 10, seed=4).indices)
    assert hd.subset(data, 80) is data
    with pytest.raises(ValueError, match="n must be"):
        hd.subset(data, 0)
