"""helpers.data: the sources in order, nothing half-written and nothing of
the reader's replaced, damaged data named, stand-ins that are honest,
learnable and whose labels belong to their images, and pretrained weights
with an honest fallback."""

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.hub
from fake_data import (
    BAR_ROWS,
    SIZES,
    idx_files,
    write_cifar_folder,
    write_debian_package,
    write_fashion_mnist,
    write_pet_folder,
)
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms

import helpers.data as hd

ROOT = Path(__file__).resolve().parent.parent
needs_debian = pytest.mark.skipif(
    not hd.DEBIAN_FASHION_MNIST.is_dir(),
    reason="Debian package dataset-fashion-mnist not installed",
)


def no_network(*args, **kwargs):
    """What ``urlopen`` does on a machine without a network."""
    raise urllib.error.URLError("[Errno -2] Name or service not known")


def files_under(path: Path) -> list[str]:
    return sorted(
        p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
    )


@pytest.fixture
def offline_machine(monkeypatch):
    """Downloads are attempted and fail, as on a machine without a network."""
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)


@pytest.fixture
def never_download(monkeypatch):
    def fail(*args, **kwargs):
        pytest.fail("a download was attempted")

    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", fail)


@pytest.fixture
def no_debian(monkeypatch, tmp_path):
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", tmp_path / "no-package")


@pytest.fixture(scope="module")
def fake_debian(tmp_path_factory):
    """A fake Debian package whose labels are shifted by 3."""
    return write_debian_package(tmp_path_factory.mktemp("pkg"), shift=3)


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    """A data folder with the fake Fashion-MNIST, for tests that only
    read."""
    root = tmp_path_factory.mktemp("data")
    write_fashion_mnist(root)
    return root


@pytest.fixture
def full(monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")


# ------------------------------------------------------------ Fashion-MNIST


@needs_debian
def test_fashion_mnist_comes_from_debian_then_from_the_data_folder(
    tmp_path, printed, full
):
    train, test, classes, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "offline package" and not source.is_standin
    assert "Debian package" in printed()
    assert (len(train), len(test)) == (60000, 10000)
    assert classes == hd.FASHION_MNIST_CLASSES
    x, y = train[0]
    assert x.shape == (1, 28, 28) and 0 <= x.min() and x.max() <= 1
    assert (y, test[0][1]) == (9, 9)  # an ankle boot starts both splits
    hd.fashion_mnist_datasets(root=tmp_path)
    assert "from the data folder" in printed()
    assert files_under(tmp_path) == sorted(
        f"FashionMNIST/raw/{name}" for name in hd.IDX_FILES
    )


def test_the_data_folder_comes_first_and_each_split_reads_its_own_files(
    tmp_path, monkeypatch, fake_debian, never_download, printed, full
):
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", fake_debian)
    raw = write_fashion_mnist(tmp_path)
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    train, test, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "data folder" and "from the data folder" in printed()
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before
    assert (len(train), len(test)) == (SIZES["train"], SIZES["t10k"])
    assert [train[i][1] for i in range(3)] == [0, 7, 4]  # not the package's
    assert [test[i][1] for i in range(3)] == [1, 8, 5]  # the test files'


def test_debian_fills_in_only_the_missing_files(
    tmp_path, monkeypatch, fake_debian, never_download, printed, full
):
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", fake_debian)
    raw = write_fashion_mnist(tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    (raw / "t10k-images-idx3-ubyte").unlink()
    train, test, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "offline package" and "Debian" in printed()
    assert train[0][1] == 0  # the reader's own training files stay
    assert test[0][1] == 4  # the package's test files (shift 3, + 1)
    assert not list(tmp_path.glob(".tmp-*"))


def test_without_debian_the_download_fills_the_data_folder(
    tmp_path, monkeypatch, no_debian, printed, full
):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)

    def download(self):
        write_fashion_mnist(Path(self.root), shift=5)
        (Path(self.raw_folder) / "train-images-idx3-ubyte.gz").touch()

    monkeypatch.setattr(datasets.FashionMNIST, "download", download)
    train, _, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "download" and "downloaded" in printed()
    assert train[0][1] == 5
    assert files_under(tmp_path) == sorted(
        f"FashionMNIST/raw/{name}" for name in idx_files()
    )


def test_no_fashion_mnist_anywhere_is_a_clear_error_that_writes_nothing(
    tmp_path, no_debian, offline_machine, monkeypatch
):
    root = tmp_path / "data"
    with pytest.raises(hd.DataUnavailableError, match="dataset-fashion-mnist"):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    monkeypatch.setattr(
        datasets.FashionMNIST,
        "download",
        lambda self: pytest.fail("download attempted"),
    )
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=root)


@pytest.mark.parametrize("error", [ConnectionResetError, KeyboardInterrupt])
def test_a_download_cut_off_midway_leaves_nothing_behind(
    tmp_path, monkeypatch, no_debian, error
):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)

    def cut_off(self):
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True)
        (raw / "train-images-idx3-ubyte").write_bytes(b"\x00" * 1000)
        raise error("connection reset by peer")

    monkeypatch.setattr(datasets.FashionMNIST, "download", cut_off)
    root = tmp_path / "data"
    expected = (
        hd.DataUnavailableError if error is not KeyboardInterrupt else error
    )
    with pytest.raises(expected):
        hd.fashion_mnist_datasets(root=root)
    assert files_under(root) == []


@pytest.mark.parametrize(
    "damage", [lambda b: b[:5000], lambda b: b + b"\x00" * 28]
)
def test_a_damaged_file_is_named_with_its_folder_and_kept(
    tmp_path, never_download, damage
):
    raw = write_fashion_mnist(tmp_path)
    path = raw / "t10k-images-idx3-ubyte"
    path.write_bytes(damage(path.read_bytes()))
    before = path.read_bytes()
    with pytest.raises(hd.DataUnavailableError) as err:
        hd.fashion_mnist_datasets(root=tmp_path)
    assert str(raw) in str(err.value) and "damaged" in str(err.value)
    assert path.read_bytes() == before


def test_an_unwritable_data_folder_is_named_with_its_variable(
    tmp_path, monkeypatch, fake_debian
):
    monkeypatch.setattr(hd, "DEBIAN_FASHION_MNIST", fake_debian)
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    if os.access(folder, os.W_OK):
        pytest.skip("this user may write to read-only folders")
    monkeypatch.setenv("CNN_BOOK_DATA", str(folder))
    with pytest.raises(hd.DataUnavailableError, match="CNN_BOOK_DATA"):
        hd.fashion_mnist_datasets()


def test_two_processes_copying_at_once_both_succeed(tmp_path, fake_debian):
    code = (
        "import sys; from pathlib import Path; import helpers.data as hd\n"
        f"hd.DEBIAN_FASHION_MNIST = Path({str(fake_debian)!r})\n"
        "root = sys.argv[1]\n"
        "train, test, _, source = hd.fashion_mnist_datasets(root=root)\n"
        "print(source.kind, len(train), train[0][1], test[0][1])\n"
    )
    env = {**os.environ, "CNN_BOOK_OFFLINE": "1", "CNN_BOOK_QUICK": "0"}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert out.split()[-3:] == [str(SIZES["train"]), "3", "4"]
    assert not list(tmp_path.glob(".tmp-*"))


# ------------------------------------------------------ CIFAR-10 and pets


def tiny_cnn(num_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(512, num_classes),
    )


def train_and_score(model, train, test, epochs: int) -> float:
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for x, y in DataLoader(train, batch_size=32, shuffle=True):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return sum(
            (model(x).argmax(1) == y).sum().item()
            for x, y in DataLoader(test, batch_size=64)
        ) / len(test)


def test_a_cifar_folder_in_the_data_folder_is_used_and_a_damaged_one_named(
    tmp_path, monkeypatch, never_download, printed
):
    write_cifar_folder(tmp_path / "cifar-10-batches-py")
    with pytest.raises(hd.DataUnavailableError, match="cifar-10-batches-py"):
        hd.cifar10_datasets(root=tmp_path)  # its checksums are not CIFAR's
    for attr in ("train_list", "test_list"):
        files = [[name, None] for name, _ in getattr(datasets.CIFAR10, attr)]
        monkeypatch.setattr(datasets.CIFAR10, attr, files)
    meta = {**datasets.CIFAR10.meta, "md5": None}
    monkeypatch.setattr(datasets.CIFAR10, "meta", meta)
    train, test, classes, source = hd.cifar10_datasets(root=tmp_path)
    assert source.kind == "data folder" and not source.is_standin
    assert (len(train), len(test)) == (100, 20) and classes[0] == "a"


def test_cifar_standin_is_honest_coloured_and_its_labels_are_the_garments(
    fake_root, offline_machine, printed, full
):
    train, test, classes, source = hd.cifar10_datasets(root=fake_root)
    message = printed()
    assert source.is_standin and "STAND-IN" in message
    assert "URLError" not in message and "Errno" not in message
    assert classes == hd.FASHION_MNIST_CLASSES  # its own names, not CIFAR's
    assert (len(train), len(test)) == (10000, 2000)
    x, _ = train[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    assert not (fake_root / "cifar-10-batches-py").exists()
    for split in (train, test):
        images = split.data.astype(float)  # [N, 32, 32, 3]
        # coloured: the three channels of an image differ
        assert np.abs(images[..., 0] - images[..., 2]).mean() > 20
        # the fake garment of class c is a bar 2 (c + 1) pixels wide
        gray = images.mean(axis=3)
        middle = (gray.min(axis=(1, 2)) + gray.max(axis=(1, 2))) / 2
        bright = (gray > middle[:, None, None]).sum(axis=(1, 2))
        garment = np.round(bright / (2 * BAR_ROWS)).astype(int) - 1
        assert (garment == np.asarray(split.targets)).all()
    again, _, _, _ = hd.cifar10_datasets(root=fake_root)
    assert np.array_equal(again.data, train.data)  # the same every time


@needs_debian
def test_cifar_standin_is_learnable(tmp_path, offline_machine):
    train, test, _, _ = hd.cifar10_datasets(root=tmp_path)  # quick subsets
    assert train_and_score(tiny_cnn(10), train, test, epochs=3) > 0.5


def test_pet_standin_is_honest_balanced_and_learnable(
    offline_machine, printed, tmp_path, full
):
    tf = transforms.Compose([transforms.Resize(64), transforms.ToTensor()])
    train, test, classes, source = hd.cats_vs_dogs_datasets(
        tf, per_class=None, test_per_class=None, root=tmp_path
    )
    assert source.is_standin and "STAND-IN" in printed()
    assert classes == ["cat", "not_cat"] and (len(train), len(test)) == (
        300,
        120,
    )
    labels = [y for _, y in train]
    assert labels.count(0) == labels.count(1) == 150
    assert files_under(tmp_path) == []  # made in memory
    assert train_and_score(tiny_cnn(2), train, test, epochs=4) > 0.75


def test_pet_standin_cats_are_cut_from_the_cat_photo(
    tmp_path, monkeypatch, offline_machine
):
    from skimage import data as skdata

    cats, others = hd.standin_photos()
    assert len(cats) == 1 and np.array_equal(cats[0], skdata.chelsea())
    red, blue = np.zeros((2, 100, 120, 3), np.uint8)
    red[..., 0], blue[..., 2] = 200, 200
    monkeypatch.setattr(hd, "standin_photos", lambda: [[red], [blue, blue]])
    train, test, _, _ = hd.cats_vs_dogs_datasets(
        per_class=5, test_per_class=5, root=tmp_path
    )
    for split in (train, test):
        for x, y in split:
            r, _, b = x.mean(dim=(1, 2))
            assert (r > b) == (y == 0)


def test_real_pets_in_the_data_folder_with_labels_from_the_species(
    tmp_path, never_download, printed
):
    base = write_pet_folder(tmp_path / "oxford-iiit-pet")
    train, test, classes, source = hd.cats_vs_dogs_datasets(
        per_class=None, test_per_class=None, root=tmp_path
    )
    assert source.kind == "data folder" and classes == ["cat", "dog"]
    assert (len(train), len(test)) == (6, 3)
    for split in (train, test):
        for x, y in split:
            r, _, b = x.mean(dim=(1, 2))
            assert (r > b) == (y == 0)  # cats are the red images
    train, _, _, _ = hd.cats_vs_dogs_datasets(per_class=1, root=tmp_path)
    assert sorted(y for _, y in train) == [0, 1]
    (base / "annotations" / "test.txt").write_text("Bengal_3 1\n")
    with pytest.raises(hd.DataUnavailableError, match="oxford-iiit-pet"):
        hd.cats_vs_dogs_datasets(root=tmp_path)


def test_quick_mode_keeps_fixed_balanced_subsets(tmp_path, offline_machine):
    train, test, _, _ = hd.cats_vs_dogs_datasets(
        per_class=None, test_per_class=None, root=tmp_path
    )
    assert (len(train), len(test)) == hd.QUICK_SIZES["cats_vs_dogs"]
    assert sorted(y for _, y in test) == [0] * 10 + [1] * 10
    train, test, _, _ = hd.cats_vs_dogs_datasets(
        per_class=7, test_per_class=3, root=tmp_path
    )
    assert (len(train), len(test)) == (14, 6)


def test_subset_is_fixed_ordered_and_refuses_nonsense():
    data = list(range(50))
    picked = hd.subset(data, 10, seed=3)
    assert len(picked) == 10 and list(picked.indices) == sorted(picked.indices)
    assert list(picked.indices) == list(hd.subset(data, 10, seed=3).indices)
    assert list(picked.indices) != list(hd.subset(data, 10, seed=4).indices)
    assert hd.subset(data, 80) is data
    with pytest.raises(ValueError, match="n must be"):
        hd.subset(data, 0)


# ------------------------------------------------------ pretrained weights

SMALL = models.MobileNet_V3_Small_Weights.IMAGENET1K_V1


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A private torch hub folder; downloads allowed unless a test says
    otherwise."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    return tmp_path / "torch_home"


def urlopen_fails_with(monkeypatch, error):
    def urlopen(*args, **kwargs):
        raise error

    monkeypatch.setattr(torch.hub, "urlopen", urlopen)


def cache_file(hub: Path, weights) -> Path:
    return hub / "hub" / "checkpoints" / Path(weights.url).name


def test_without_weights_the_same_architecture_untrained_and_said(
    hub, monkeypatch, printed
):
    before = socket.getdefaulttimeout()
    urlopen_fails_with(monkeypatch, urllib.error.URLError("no network"))
    model, pretrained = hd.load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert not pretrained and isinstance(model, models.MobileNetV3)
    message = printed()
    assert message.startswith(
        "MobileNet_V3_Small: UNTRAINED - the weights "
        "MobileNet_V3_Small_Weights.IMAGENET1K_V1 are not available"
    )
    assert "could not be downloaded (no network)" in message
    assert socket.getdefaulttimeout() == before
    assert files_under(hub) == []
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    urlopen_fails_with(monkeypatch, AssertionError("no download may be tried"))
    _, pretrained = hd.load_pretrained(models.mobilenet_v3_small, SMALL)
    assert not pretrained and "CNN_BOOK_OFFLINE=1" in printed()


def test_cached_weights_are_used_offline_and_a_damaged_cache_kept(
    hub, monkeypatch, printed
):
    torch.manual_seed(0)
    reference = models.mobilenet_v3_small()
    cached = cache_file(hub, SMALL)
    cached.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), cached)
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    urlopen_fails_with(monkeypatch, AssertionError("no download may be tried"))
    model, pretrained = hd.load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert pretrained and "pretrained weights" in printed()
    for name, value in reference.state_dict().items():
        assert torch.equal(model.state_dict()[name], value)
    cached.write_bytes(b"garbage")
    _, pretrained = hd.load_pretrained(models.mobilenet_v3_small, SMALL)
    assert not pretrained and "could not be read" in printed()
    assert cached.read_bytes() == b"garbage"  # not ours to delete


def test_weights_of_another_architecture_are_refused_before_a_download(
    hub, monkeypatch
):
    urlopen_fails_with(monkeypatch, AssertionError("no download may be tried"))
    with pytest.raises(TypeError, match="VGG16_Weights"):
        hd.load_pretrained(models.vgg16, models.ResNet18_Weights.IMAGENET1K_V1)


def test_image_size_full_and_quick(monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    assert hd.image_size(224, 112) == 224
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    assert hd.image_size(224, 112) == 112
