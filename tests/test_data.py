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


def tagged(tag: str):
    """A transform that says which one it was: ``(tag, image)``."""
    return lambda image: (tag, image)


def transform_tags(train, test) -> tuple:
    """Which transform the first image of each split went through."""
    return train[0][0][0], test[0][0][0]


def names_in(err) -> list[str]:
    """The dataset, folder and fix an error must name, and the failure."""
    return [str(err.value), type(err.value.__cause__).__name__]


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


def test_each_split_gets_its_own_transform_and_tensors_by_default(
    fake_root, never_download, full
):
    train, test, _, _ = hd.fashion_mnist_datasets(
        tagged("test"), tagged("train"), root=fake_root
    )
    assert transform_tags(train, test) == ("train", "test")
    train, test, _, _ = hd.fashion_mnist_datasets(
        tagged("both"), root=fake_root
    )
    assert transform_tags(train, test) == ("both", "both")
    train, test, _, _ = hd.fashion_mnist_datasets(root=fake_root)
    for x, _ in (train[0], test[0]):
        assert isinstance(x, torch.Tensor) and x.shape == (1, 28, 28)


def test_the_data_folder_defaults_to_the_readers_setting(
    fake_root, monkeypatch, never_download, printed, full
):
    monkeypatch.setenv("CNN_BOOK_DATA", str(fake_root))
    train, _, _, source = hd.fashion_mnist_datasets()
    assert source == ("data folder", "real data, from the data folder")
    assert "Fashion-MNIST" in printed() and len(train) == SIZES["train"]


def test_quick_mode_keeps_fixed_subsets_of_each_split(
    fake_root, never_download
):
    train, test, classes, _ = hd.fashion_mnist_datasets(root=fake_root)
    assert (len(train), len(test)) == hd.QUICK_SIZES["fashion_mnist"]
    assert classes == hd.FASHION_MNIST_CLASSES
    # each split from its own files: the test labels start one class later
    full_train = datasets.FashionMNIST(fake_root, True)
    full_test = datasets.FashionMNIST(fake_root, False)
    for part, whole in ((train, full_train), (test, full_test)):
        i = part.indices[0]
        assert part[0][1] == whole.targets[i].item()
    again, _, _, _ = hd.fashion_mnist_datasets(root=fake_root)
    assert list(again.indices) == list(train.indices)


def test_files_are_only_added_to_the_data_folder(tmp_path):
    root = tmp_path / "new" / "data"  # made, parents and all
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "mine.txt").write_text("the reader's")

    def write(tmp):
        (tmp / "sub").mkdir()
        (tmp / "sub" / "mine.txt").write_text("replaced")
        (tmp / "sub" / "new.txt").write_text("added")
        (tmp / "top.txt").write_text("added")

    hd._add(root, write)
    assert files_under(root) == ["sub/mine.txt", "sub/new.txt", "top.txt"]
    assert (root / "sub" / "mine.txt").read_text() == "the reader's"
    assert (root / "sub" / "new.txt").read_text() == "added"
    hd._add(root, write)  # an existing data folder is fine
    assert (root / "top.txt").read_text() == "added"


def test_a_failed_download_says_why_unless_there_is_no_network(
    tmp_path, monkeypatch, no_debian, printed
):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)

    def server_error(self):
        raise urllib.error.HTTPError(self.mirrors[0], 503, "down", {}, None)

    monkeypatch.setattr(datasets.FashionMNIST, "download", server_error)
    with pytest.raises(hd.DataUnavailableError):
        hd.fashion_mnist_datasets(root=tmp_path)
    message = printed()
    assert "Fashion-MNIST" in message and "HTTPError" in message
    assert hd.failure(urllib.error.URLError("down")) == "no network"
    assert hd.failure(ValueError("first\nsecond")).endswith("first")
    assert not hd.failure(ValueError()).endswith(":")  # nothing dangling


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
    message, cause = names_in(err)
    assert "Fashion-MNIST" in message and str(raw) in message
    assert "ubyte" in message and cause in message  # the fix, and why
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


def without_checksums(monkeypatch) -> None:
    """Let torchvision read the fake CIFAR-10 (which is not CIFAR's bytes)."""
    for attr in ("train_list", "test_list"):
        files = [[name, None] for name, _ in getattr(datasets.CIFAR10, attr)]
        monkeypatch.setattr(datasets.CIFAR10, attr, files)
    meta = {**datasets.CIFAR10.meta, "md5": None}
    monkeypatch.setattr(datasets.CIFAR10, "meta", meta)


def test_a_cifar_download_fills_the_data_folder_and_splits_keep_apart(
    tmp_path, monkeypatch, printed
):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    without_checksums(monkeypatch)

    def download(self):
        write_cifar_folder(Path(self.root) / self.base_folder)

    monkeypatch.setattr(datasets.CIFAR10, "download", download)
    train, test, _, source = hd.cifar10_datasets(
        tagged("test"), tagged("train"), root=tmp_path
    )
    assert source.kind == "download" and not source.is_standin
    assert "CIFAR-10" in printed()
    assert transform_tags(train, test) == ("train", "test")
    assert (len(train), len(test)) == (100, 20)  # five batches, and one
    assert files_under(tmp_path / "cifar-10-batches-py") == sorted(
        p.name for p in write_cifar_folder(tmp_path / "again").iterdir()
    )


def test_cifar_standin_splits_keep_their_own_labels_and_transforms(
    tmp_path, monkeypatch, offline_machine
):
    made = [
        (np.full((n, 32, 32, 3), 9 * n, np.uint8), torch.arange(n) % 10)
        for n in (4, 3)
    ]
    monkeypatch.setattr(hd, "tinted_fashion_mnist", lambda root: made)
    train, test, classes, source = hd.cifar10_datasets(
        tagged("test"), tagged("train"), root=tmp_path
    )
    assert source.is_standin and classes == hd.FASHION_MNIST_CLASSES
    assert transform_tags(train, test) == ("train", "test")
    assert [y for _, y in train] == [0, 1, 2, 3] and len(test) == 3
    assert np.asarray(test[0][0][1]).max() == 27  # the test split's image
    train, test, _, _ = hd.cifar10_datasets(root=tmp_path)
    assert isinstance(train[0][0], torch.Tensor)
    assert train[0][0].shape == (3, 32, 32)


def test_a_cifar_folder_in_the_data_folder_is_used_and_a_damaged_one_named(
    tmp_path, monkeypatch, never_download, printed
):
    folder = write_cifar_folder(tmp_path / "cifar-10-batches-py")
    with pytest.raises(hd.DataUnavailableError) as err:
        hd.cifar10_datasets(root=tmp_path)  # its checksums are not CIFAR's
    message, cause = names_in(err)
    assert "CIFAR-10" in message and str(folder) in message
    assert "www.cs.toronto.edu" in message and cause in message
    without_checksums(monkeypatch)
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


def test_cifar_standin_draws_each_split_from_its_own_files(
    fake_root, never_download
):
    test_files = datasets.FashionMNIST(fake_root, train=False).targets
    n = len(test_files)  # as many training images as it has, and one more
    (x, y), (x_test, y_test) = hd.tinted_fashion_mnist(fake_root, (n + 1, n))
    assert x.shape == (n + 1, 32, 32, 3) and x.dtype == np.uint8
    assert x_test.shape == (n, 32, 32, 3) and len(y) == n + 1
    assert np.array_equal(np.bincount(y_test), np.bincount(test_files))
    # garments lie anywhere in 32x32 and whole: rows of the fake's bar
    rows = (x_test.mean(axis=3) > 128).mean(axis=2) > 0.5 * 2 / 28
    top = rows.argmax(axis=1)
    assert (top.min(), top.max()) == (4, 4 + 32 - 28)
    # light garments on dark backgrounds, each in its own colours
    inside = rows[..., None, None]
    garment = np.where(inside, x_test, 0).sum((1, 2)) / inside.sum((1, 2))
    ground = np.where(~inside, x_test, 0).sum((1, 2)) / (~inside).sum((1, 2))
    assert (garment > ground).all()
    assert garment.std(axis=0).min() > 20 and ground.std(axis=0).min() > 20


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


def test_pet_standin_crops_are_square_pieces_mirrored_and_lit_at_random():
    # a photo that says where each pixel was: red = column, green = row
    h, w = 100, 130
    photo = np.zeros((h, w, 3), np.uint8)
    photo[..., 0], photo[..., 1] = np.arange(w), np.arange(h)[:, None]
    photo[..., 2] = 100
    rng = np.random.default_rng(0)
    crops = [hd._pet_crop(photo, rng).astype(float) for _ in range(60)]
    assert {c.shape for c in crops} == {crops[0].shape}  # one size for all
    assert crops[0].shape[0] == crops[0].shape[1] and crops[0].shape[2] == 3
    mirrored, light, corner = [], [], []
    for c in crops:
        col, row, blue = c[..., 0], c[..., 1], c[..., 2].mean()
        # square in the photo: as many columns as rows, and inside it
        span = (col.max() - col.min()) / (row.max() - row.min())
        assert 0.85 < span < 1.15
        mirrored.append(col[:, :10].mean() > col[:, -10:].mean())
        light.append(blue > 100)
        corner.append(col.min() <= 3 and row.min() <= 3)
    assert any(mirrored) and not all(mirrored)
    assert any(light) and not all(light)  # brighter or darker
    assert any(corner)  # crops reach the photo's edges
    again = hd._pet_crop(photo, np.random.default_rng(0))
    assert np.array_equal(again, crops[0])  # the same every time


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
    again, _, _, _ = hd.cats_vs_dogs_datasets(per_class=1, root=tmp_path)
    assert again.indices == train.indices  # the same pick every time
    (base / "annotations" / "test.txt").write_text("Bengal_3 1\n")
    with pytest.raises(hd.DataUnavailableError) as err:
        hd.cats_vs_dogs_datasets(root=tmp_path)
    message, cause = names_in(err)
    assert "Oxford-IIIT Pet" in message and str(base) in message
    assert "www.robots.ox.ac.uk" in message and cause in message


def test_a_pet_download_fills_the_data_folder_and_splits_keep_apart(
    tmp_path, monkeypatch, printed
):
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)

    def download(self):
        write_pet_folder(Path(self._base_folder))

    monkeypatch.setattr(datasets.OxfordIIITPet, "_download", download)
    train, test, classes, source = hd.cats_vs_dogs_datasets(
        tagged("test"), tagged("train"), None, None, root=tmp_path
    )
    assert source.kind == "download" and "Oxford-IIIT Pet" in printed()
    assert classes == ["cat", "dog"]
    assert transform_tags(train, test) == ("train", "test")
    assert (len(train), len(test)) == (6, 3)  # trainval's lines, test's
    assert (tmp_path / "oxford-iiit-pet" / "annotations").is_dir()


def test_pet_standin_splits_keep_their_own_transforms(
    tmp_path, monkeypatch, offline_machine
):
    made = [
        (np.full((2 * n, 8, 8, 3), n, np.uint8), [0] * n + [1] * n)
        for n in (3, 2)
    ]
    monkeypatch.setattr(hd, "pet_photo_standin", lambda: made)
    train, test, classes, source = hd.cats_vs_dogs_datasets(
        tagged("test"), tagged("train"), None, None, root=tmp_path
    )
    assert source.is_standin and classes == hd.PET_STANDIN_CLASSES
    assert transform_tags(train, test) == ("train", "test")
    assert (len(train), len(test)) == (6, 4)
    assert np.asarray(test[0][0][1]).max() == 2  # the test split's image
    train, _, _, _ = hd.cats_vs_dogs_datasets(root=tmp_path)
    assert isinstance(train[0][0], torch.Tensor)


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
    assert hd.subset(data, 80) is data and hd.subset(data, 50) is data
    assert len(hd.subset(data, 1)) == 1
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
    # by default, the size the ImageNet weights of chapter 6 were made for
    imagenet = models.ResNet18_Weights.IMAGENET1K_V1.transforms().crop_size
    assert hd.image_size() == imagenet[0]
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    assert hd.image_size(224, 112) == 112
    assert hd.image_size() == imagenet[0] // 2  # a quarter of the pixels


def test_downloaded_weights_get_the_progress_flag_and_a_timeout(
    hub, monkeypatch, printed
):
    torch.manual_seed(0)
    reference = models.mobilenet_v3_small().state_dict()
    calls = []

    def download(url, dst, hash_prefix=None, progress=True):
        calls.append((progress, socket.getdefaulttimeout()))
        torch.save(reference, dst)

    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(7.0)  # the caller's own
    try:
        model, pretrained = hd.load_pretrained(
            models.mobilenet_v3_small, SMALL, progress=False
        )
        assert pretrained and socket.getdefaulttimeout() == 7.0
        assert files_under(hub) == [f"hub/checkpoints/{Path(SMALL.url).name}"]
        cache_file(hub, SMALL).unlink()
        hd.load_pretrained(models.mobilenet_v3_small, SMALL)
        assert socket.getdefaulttimeout() == 7.0
    finally:
        socket.setdefaulttimeout(before)
    assert [progress for progress, _ in calls] == [False, True]
    # a silent network fails instead of hanging, with a timeout of its own
    assert all(t is not None and t != 7.0 for _, t in calls)
    assert "MobileNet_V3_Small" in printed()
    for name, value in reference.items():
        assert torch.equal(model.state_dict()[name], value)
