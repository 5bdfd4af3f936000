"""Datasets and pretrained weights (chapters 4-6), from the data folder
(:func:`helpers.data_dir`), else Debian's package (Fashion-MNIST), else
torchvision's download, else a **stand-in** made in memory; one printed line
says which. Files are only ever added to the data folder, each renamed into
place once whole; damaged ones are named, never deleted.
"""

import contextlib
import gzip
import io
import os
import socket
import tempfile
from pathlib import Path
from typing import NamedTuple
from urllib.error import HTTPError, URLError

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset, Subset
from torchvision import datasets, models, transforms

from . import DATA_ENV, data_dir, is_quick, offline, say

FASHION_MNIST_CLASSES = datasets.FashionMNIST.classes
PET_CLASSES, PET_STANDIN_CLASSES = ["cat", "dog"], ["cat", "not_cat"]
#: The sizes (train, test) of the fixed subsets that quick mode keeps.
QUICK_SIZES = {"fashion_mnist": (3000, 1000), "cifar10": (2000, 500)}
QUICK_SIZES["cats_vs_dogs"] = (40, 20)
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
IDX_FILES += [name.replace("train", "t10k") for name in IDX_FILES]
REAL = {"data folder": "from the data folder", "download": "downloaded"}


class DataUnavailableError(RuntimeError):
    """No source has the dataset, or its files are damaged."""


class Source(NamedTuple):
    """Where a dataset was found (``kind``) and the line that said so."""

    kind: str
    detail: str

    @property
    def is_standin(self) -> bool:
        return self.kind == "stand-in"


def failure(err: BaseException) -> str:
    """Why a download or a file failed: ``"no network"`` when no server
    could be reached, else the error's first line."""
    if isinstance(err, URLError) and not isinstance(err, HTTPError):
        return "no network"
    text = (str(err).splitlines() or [""])[0]
    return f"{type(err).__name__}: {text}".rstrip(": ")


def subset(dataset: Dataset, n: int, seed: int = 0) -> Dataset:
    """A fixed random subset of ``n`` items of ``dataset`` (all of it if it
    is not larger), in the dataset's own order (chapter 4)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if len(dataset) <= n:
        return dataset
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(dataset), generator=g)[:n]
    return Subset(dataset, sorted(idx.tolist()))


def _found(name: str, kind: str, detail: str = "") -> Source:
    detail = detail or f"real data, {REAL[kind]}"
    say(f"{name}: {detail}")
    return Source(kind, detail)


def _result(name, train, test, classes, source) -> tuple:
    """``train, test, classes, source``, as every ``*_datasets`` returns."""
    if is_quick():
        n_train, n_test = QUICK_SIZES[name]
        train, test = subset(train, n_train), subset(test, n_test, seed=1)
    return train, test, list(classes), source


def _add(root: Path, write) -> None:
    """Run ``write(tmp)`` in a temporary folder, then rename what it made
    into ``root`` where nothing of that name is yet."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".tmp-") as tmp:
            write(Path(tmp))
            for path in sorted(Path(tmp).rglob("*")):
                target = root / path.relative_to(tmp)
                if path.exists() and not target.exists():
                    try:
                        os.replace(path, target)
                    except OSError:  # unless another process was first
                        if not target.exists():
                            raise
    except PermissionError as err:
        raise DataUnavailableError(
            f"Cannot write to the data folder {root} ({err}): make it a "
            f"folder you can write to, or set {DATA_ENV} to one."
        ) from err


def _download(name: str, root: Path, dataset) -> bool:
    """torchvision's download of ``dataset`` into ``root``, or False."""

    def write(tmp: Path) -> None:
        dataset(tmp, download=True)
        for archive in tmp.rglob("*.gz"):
            archive.unlink()  # keep what was extracted

    if offline():
        return False
    try:
        _add(root, write)
        return True
    except DataUnavailableError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure: not this way
        if failure(err) != "no network":
            say(f"{name}: the download failed ({failure(err)})")
        return False


def _start(root, transform, train_transform) -> tuple:  # folder, transforms
    tf = transform or transforms.ToTensor()
    return Path(root or data_dir()), (train_transform or tf, tf)


def _source(name: str, folder: Path, dataset, standin: str) -> Source:
    """``folder``, else torchvision's download into it, else a stand-in."""
    if folder.exists():
        return _found(name, "data folder")
    if _download(name, folder.parent, dataset):
        return _found(name, "download")
    text = f"STAND-IN: {name} is not available offline, so this is {standin}"
    return _found(name, "stand-in", text)


def _damaged(name: str, folder: Path, err: Exception, fix: str):
    return DataUnavailableError(
        f"{name} in {folder} is damaged ({failure(err)}). Nothing was "
        f"deleted: {fix}, or delete that folder to have it fetched again."
    )


def _fashion_mnist(root: Path) -> Source:
    """Fill in ``root/FashionMNIST/raw`` from Debian, else the download."""
    raw = root / "FashionMNIST" / "raw"
    missing = [f for f in IDX_FILES if not (raw / f).is_file()]
    debian = [DEBIAN_FASHION_MNIST / f"{f}.gz" for f in missing]

    def unzip(tmp: Path) -> None:
        (tmp / "FashionMNIST" / "raw").mkdir(parents=True)
        for f, gz in zip(missing, debian):
            data = gzip.decompress(gz.read_bytes())
            (tmp / "FashionMNIST" / "raw" / f).write_bytes(data)

    if not missing:
        return _found("Fashion-MNIST", "data folder")
    if all(p.is_file() for p in debian):
        _add(root, unzip)
        package = "real data, from the Debian package dataset-fashion-mnist"
        return _found("Fashion-MNIST", "offline package", package)
    if _download("Fashion-MNIST", root, datasets.FashionMNIST):
        return _found("Fashion-MNIST", "download")
    raise DataUnavailableError(
        f"Fashion-MNIST is not available: {raw} lacks {', '.join(missing)}, "
        "there is no Debian package dataset-fashion-mnist and no network. "
        "Run 'apt-get install dataset-fashion-mnist', or download the four "
        "*-ubyte.gz files from https://github.com/zalandoresearch/"
        f"fashion-mnist and put them, uncompressed, in {raw}."
    )


def fashion_mnist_datasets(transform=None, train_transform=None, root=None):
    """Fashion-MNIST's training and test sets, class names and source
    (chapter 4). ``transform`` (default ``ToTensor()``) is for the test
    images, ``train_transform`` (default: the same) for the training ones.
    """
    root, tfs = _start(root, transform, train_transform)
    source = _fashion_mnist(root)
    try:
        train = datasets.FashionMNIST(root, True, tfs[0])
        test = datasets.FashionMNIST(root, False, tfs[1])
    except (RuntimeError, ValueError, TypeError, AssertionError) as err:
        raw, fix = root / "FashionMNIST" / "raw", "replace its *-ubyte files"
        raise _damaged("Fashion-MNIST", raw, err, fix) from err
    return _result("fashion_mnist", train, test, train.classes, source)


class ImageArrays(Dataset):
    """Images ``[N, H, W, 3]`` uint8 handed out as PIL images: a stand-in."""

    def __init__(self, images, targets, classes, transform=None):
        self.data, self.targets = images, list(targets)
        self.classes, self.transform = list(classes), transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int):
        image = Image.fromarray(self.data[i])
        if self.transform is not None:
            image = self.transform(image)
        return image, self.targets[i]


def tinted_fashion_mnist(root: Path, sizes=(10000, 2000)) -> list:
    """The CIFAR-10 stand-in (chapter 5), ``[(images, labels)]`` for the
    training and test split: random Fashion-MNIST images, each shifted in
    32x32, in a light and a dark colour of its own, with a little noise."""
    _fashion_mnist(root)
    rng, splits = np.random.default_rng(0), []
    for train, n in zip((True, False), sizes):
        fm = datasets.FashionMNIST(root, train=train)
        idx = rng.choice(len(fm), size=n, replace=False)
        gray, g = fm.data.numpy()[idx], np.zeros((n, 32, 32), np.float32)
        for i, (dy, dx) in enumerate(rng.integers(0, 5, size=(n, 2))):
            g[i, dy : dy + 28, dx : dx + 28] = gray[i] / 255.0
        dark = rng.uniform(0.0, 0.45, size=(n, 3, 1, 1)).astype(np.float32)
        light = rng.uniform(0.55, 1.0, size=(n, 3, 1, 1)).astype(np.float32)
        img = dark * (1 - g[:, None]) + light * g[:, None]
        img += rng.normal(0, 0.04, size=img.shape).astype(np.float32)
        img = (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
        splits.append((img.transpose(0, 2, 3, 1), fm.targets[idx]))
    return splits


def cifar10_datasets(transform=None, train_transform=None, root=None):
    """CIFAR-10, or the labelled stand-in offline (chapter 5); the
    arguments and the result are :func:`fashion_mnist_datasets`'."""
    root, tfs = _start(root, transform, train_transform)
    standin = "'Tinted Fashion-MNIST' (Fashion-MNIST painted in random "
    standin += "colours, 3x32x32, 10 classes with Fashion-MNIST's names)"
    folder = root / "cifar-10-batches-py"
    source = _source("CIFAR-10", folder, datasets.CIFAR10, standin)
    if source.is_standin:
        classes = FASHION_MNIST_CLASSES
        train, test = (
            ImageArrays(x, y.tolist(), classes, t)
            for (x, y), t in zip(tinted_fashion_mnist(root), tfs)
        )
        return _result("cifar10", train, test, classes, source)
    try:
        train = datasets.CIFAR10(root, True, tfs[0])
        test = datasets.CIFAR10(root, False, tfs[1])
    except RuntimeError as err:  # torchvision's checksums differ
        fix = "put in it the files of https://www.cs.toronto.edu/~kriz/"
        raise _damaged("CIFAR-10", folder, err, fix) from err
    return _result("cifar10", train, test, train.classes, source)


def _pet_crop(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random square crop, 192x192, maybe mirrored, brighter or darker."""
    h, w = photo.shape[:2]
    side = int(rng.integers(int(0.45 * min(h, w)), min(h, w) + 1))
    y = int(rng.integers(0, h - side + 1))
    x = int(rng.integers(0, w - side + 1))
    crop = Image.fromarray(photo[y : y + side, x : x + side])
    crop = crop.resize((192, 192), Image.BILINEAR)
    if rng.random() < 0.5:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    pixels = np.asarray(crop, dtype=np.float32) * rng.uniform(0.7, 1.3)
    jpeg = io.BytesIO()
    crop = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    crop.save(jpeg, "JPEG", quality=90)
    return np.asarray(Image.open(jpeg).convert("RGB"))


def standin_photos() -> list:
    """scikit-image's cat photo, and its other colour photos."""
    from skimage import data as sk

    others = [sk.coffee, sk.astronaut, sk.rocket, sk.immunohistochemistry]
    return [[sk.chelsea()], [f() for f in [*others, sk.hubble_deep_field]]]


def pet_photo_standin(per_class=(150, 60)) -> list:
    """The Oxford-IIIT Pet stand-in (chapter 6): crops of
    :func:`standin_photos`, 'cat' and 'not_cat', for trainval and test."""
    photos, rng, splits = standin_photos(), np.random.default_rng(0), []
    for n in per_class:
        images, labels = [], []
        for label, kind in enumerate(photos):
            images += [_pet_crop(kind[i % len(kind)], rng) for i in range(n)]
            labels += [label] * n
        splits.append((np.stack(images), labels))
    return splits


def _balanced(labels, per_class, seed: int) -> list:
    """Indices of ``per_class`` random items of each class (all: None)."""
    labels, rng, picked = np.asarray(labels), np.random.default_rng(seed), []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        picked.extend(idx[:per_class].tolist())
    return sorted(picked)


def cats_vs_dogs_datasets(
    transform=None,
    train_transform=None,
    per_class=50,
    test_per_class=50,
    root=None,
    seed: int = 0,
) -> tuple:
    """Cats vs dogs: ``per_class`` / ``test_per_class`` random images of
    each class (``None``: all) from Oxford-IIIT Pet's trainval and test
    splits, or the labelled stand-in offline (chapter 6)."""
    root, tfs = _start(root, transform, train_transform)
    if is_quick():  # QUICK_SIZES counts images: half of each are cats
        n_train, n_test = QUICK_SIZES["cats_vs_dogs"]
        per_class = min(per_class or n_train, n_train // 2)
        test_per_class = min(test_per_class or n_test, n_test // 2)
    standin = "'pet photo stand-in' (crops of scikit-image's sample "
    standin += "photographs; classes 'cat' and 'not_cat')"
    folder = root / "oxford-iiit-pet"
    source = _source(
        "Oxford-IIIT Pet", folder, datasets.OxfordIIITPet, standin
    )
    parts, classes = [], PET_STANDIN_CLASSES
    if source.is_standin:
        for (x, y), t in zip(pet_photo_standin(), tfs):
            parts.append((ImageArrays(x, y, classes, t), y))
    else:
        for split, t in zip(("trainval", "test"), tfs):
            try:  # lines 'Image CLASS-ID SPECIES BREED-ID', species 1: cat
                lines = (folder / "annotations" / f"{split}.txt").read_text()
                labels = [int(s.split()[2]) - 1 for s in lines.splitlines()]
                kind = "binary-category"
                pets = datasets.OxfordIIITPet(root, split, kind, transform=t)
            except (OSError, IndexError, ValueError, RuntimeError) as err:
                fix = "put in it images/ and annotations/ from "
                fix += "https://www.robots.ox.ac.uk/~vgg/data/pets/"
                raise _damaged("Oxford-IIIT Pet", folder, err, fix) from err
            parts.append((pets, labels))
        classes = PET_CLASSES
    sizes, seeds = (per_class, test_per_class), (seed, seed + 1)
    train, test = (
        Subset(full, _balanced(labels, n, s))
        for (full, labels), n, s in zip(parts, sizes, seeds)
    )
    return train, test, list(classes), source


def image_size(full: int = 224, quick: int = 112) -> int:
    """The side of the input images: ``quick`` in quick mode (chapter 6)."""
    return quick if is_quick() else full


def load_pretrained(builder, weights, *, progress: bool = True) -> tuple:
    """``(builder(weights=weights), True)``, or ``(builder(weights=None),
    False)`` when the weights cannot be had; prints which (chapter 6)."""
    weights = models.get_model_weights(builder).verify(weights)
    name = type(weights).__name__.removesuffix("_Weights")
    file = weights.url.rsplit("/", 1)[-1]
    cached = Path(torch.hub.get_dir()) / "checkpoints" / file
    reason = "downloads are switched off (CNN_BOOK_OFFLINE=1)"
    if cached.is_file() or not offline():
        timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(30)  # a silent network fails, not hangs
        try:  # torch.hub prints the cache's path: keep it off the page
            with contextlib.redirect_stdout(io.StringIO()):
                model = builder(weights=weights, progress=progress)
            top1 = weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]
            say(f"{name}: pretrained weights {weights!r}, {top1:.1f}% top-1")
            return model, True
        except Exception as err:  # noqa: BLE001 - no network, bad cache...
            reason = "they could not be downloaded"
            if cached.is_file():
                reason = f"the cached file {file} could not be read"
            reason += f" ({failure(err)})"
        finally:
            socket.setdefaulttimeout(timeout)
    say(
        f"{name}: UNTRAINED - the weights {weights!r} are not available: "
        f"{reason}. This is the same architecture with random weights, so "
        "results with it say nothing about transfer learning."
    )
    return builder(weights=None), False
