"""Fashion-MNIST, CIFAR-10 and cats vs dogs, and where each came from.

Each dataset is looked for in this order, and one printed line says which
source was used:

1. the data folder (``$CNN_BOOK_DATA``, by default ``data/`` at the
   repository root);
2. an offline copy a package provides (Fashion-MNIST: Debian's
   ``dataset-fashion-mnist``);
3. torchvision's own download (unless ``CNN_BOOK_OFFLINE=1``);
4. a small, deterministic, learnable **stand-in** with honest class names,
   in the on-disk format that torchvision's loader parses, kept apart under
   ``<data>/standin/``. Fashion-MNIST has no stand-in.

Damaged files in the data folder are named, with how to fix them. Quick mode
(``CNN_BOOK_QUICK=1``) keeps a fixed random subset of each split. Introduced
in chapter 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import Dataset, Subset
from torchvision import datasets, transforms

from . import _offline
from ._offline import DataUnavailableError
from .config import data_dir, is_quick, offline, say

__all__ = ["CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "PET_CLASSES",
           "PET_STANDIN_CLASSES", "QUICK_SIZES", "DataUnavailableError",
           "Datasets", "Source", "TintedFashionMNIST", "cats_vs_dogs_datasets",
           "cifar10_datasets", "fashion_mnist_datasets", "subset"]

FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress",
                         "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot"]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog",
                   "frog", "horse", "ship", "truck"]
PET_CLASSES = ["cat", "dog"]
PET_STANDIN_CLASSES = ["cat", "not_cat"]

#: The sizes (train, test) of the fixed subsets that quick mode keeps.
QUICK_SIZES = {"fashion_mnist": (3000, 1000), "cifar10": (2000, 500),
               "cats_vs_dogs": (40, 20)}


@dataclass(frozen=True)
class Source:
    """Where a dataset was found: ``kind`` is 'data folder', 'offline
    package', 'download' or 'stand-in'."""
    dataset: str
    kind: str
    detail: str

    @property
    def is_standin(self) -> bool:
        return self.kind == "stand-in"

    def announce(self) -> None:
        say(f"{self.dataset}: {self.detail}")


class Datasets(NamedTuple):
    """What every ``*_datasets`` function returns:
    ``train, test, classes, source = ...``."""
    train: Dataset
    test: Dataset
    classes: list[str]
    source: Source


def subset(dataset: Dataset, n: int, seed: int = 0) -> Dataset:
    """A fixed random subset of ``n`` items of ``dataset`` (all of it if it
    is not larger), in the dataset's own order. Quick mode uses it to shrink
    every dataset; chapters use it for few-shot sets.

    >>> len(subset(list(range(100)), 10))
    10
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if len(dataset) <= n:
        return dataset
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(dataset), generator=g)[:n]
    return Subset(dataset, sorted(idx.tolist()))


def _quick(name: str, train: Dataset,
           test: Dataset) -> tuple[Dataset, Dataset]:
    """In quick mode, fixed subsets of the sizes in ``QUICK_SIZES``."""
    if not is_quick():
        return train, test
    n_train, n_test = QUICK_SIZES[name]
    return subset(train, n_train, seed=0), subset(test, n_test, seed=1)


def _root(root: str | Path | None) -> Path:
    root = Path(root) if root is not None else data_dir()
    _offline.clean_partials(root)
    _offline.clean_partials(root / "standin")
    return root


def _in_data_folder(dataset: str, folder: Path, problems,
                    fix: str) -> Source | None:
    """The data folder as the source if ``folder`` is there; an error that
    names each damaged file if ``problems(folder)`` finds any."""
    if not folder.exists():
        return None
    damaged = problems(folder)
    if damaged:
        raise DataUnavailableError(
            f"{dataset} in the data folder is damaged: {folder}: "
            f"{_offline.describe(damaged)}. Delete the folder to have it "
            f"downloaded again, or {fix}")
    return Source(dataset, "data folder", "real data, from the data folder")


# ------------------------------------------------------ Fashion-MNIST

def _fashion_mnist_source(root: Path) -> Source:
    """Make Fashion-MNIST's four files whole in ``root``: the data folder,
    then Debian's package, then the download. Only those files are written:
    nothing else in the folder is touched."""
    name = "Fashion-MNIST"
    broken = _offline.fashion_mnist_problems(root)
    if not broken:
        return Source(name, "data folder", "real data, from the data folder")
    damaged = {f: p for f, p in broken.items() if p != "missing"}
    note = (f" (replacing damaged files: {', '.join(damaged)})" if damaged
            else "")
    if _offline.fashion_mnist_from_debian(root) is not None:
        return Source(name, "offline package", "real data, copied from the "
                      f"Debian package dataset-fashion-mnist{note}")
    if not offline() and _offline.fashion_mnist_download(
            root, lambda tmp: datasets.FashionMNIST(tmp, download=True)):
        return Source(name, "download", "real data, downloaded by "
                      f"torchvision into the data folder {root}{note}")
    raw = _offline.fashion_mnist_folder(root)
    get = ("Download the four *-ubyte.gz files from "
           "https://github.com/zalandoresearch/fashion-mnist and put them, "
           f"uncompressed, in {raw}, or run 'apt-get install "
           "dataset-fashion-mnist'")
    if damaged:
        raise DataUnavailableError(
            f"Fashion-MNIST in the data folder {_offline.where(root)} is "
            f"damaged: {_offline.describe(damaged)}. Neither Debian's package "
            "nor a download could repair it. " + get + ".")
    raise DataUnavailableError(
        "Fashion-MNIST is not available: no copy in the data folder "
        f"{_offline.where(root)}, no Debian package dataset-fashion-mnist "
        f"({_offline.DEBIAN_FASHION_MNIST}) and no network. " + get + ".")


def fashion_mnist_datasets(transform=None, train_transform=None,
                           root: str | Path | None = None) -> Datasets:
    """Fashion-MNIST's training and test sets, its class names and where it
    came from (chapter 4).

    ``transform`` (default ``ToTensor()``: ``[1, 28, 28]`` floats in [0, 1])
    is applied to test images, ``train_transform`` (default: the same) to
    training images. Prints where the data came from. In quick mode both
    sets are fixed random subsets. Returns
    ``Datasets(train, test, classes, source)``.
    """
    root = _root(root)
    source = _fashion_mnist_source(root)
    source.announce()
    transform = transform or transforms.ToTensor()
    train = datasets.FashionMNIST(root, train=True,
                                  transform=train_transform or transform)
    test = datasets.FashionMNIST(root, train=False, transform=transform)
    return Datasets(*_quick("fashion_mnist", train, test),
                    list(train.classes), source)


# ------------------------------------------------------ CIFAR-10

CIFAR10_FOLDER = "cifar-10-batches-py"  # what torchvision's CIFAR10 reads


class TintedFashionMNIST(datasets.CIFAR10):
    """The CIFAR-10 stand-in, read by torchvision's CIFAR-10 parser from a
    folder of its own (chapter 5).

    Fashion-MNIST images padded to 32x32 at a random offset, painted in a
    random light foreground and dark background colour, with a little noise:
    3x32x32, 10 classes, and Fashion-MNIST's class names.
    """
    base_folder = "tinted-fashion-mnist-batches-py"
    train_list = [[f"data_batch_{i}", None] for i in range(1, 6)]
    test_list = [["test_batch", None]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": None}


def _write_cifar_standin(folder: Path, fashion_root: Path) -> None:
    """Tinted Fashion-MNIST into ``folder``, from the Fashion-MNIST of
    ``fashion_root`` (copied there first if need be)."""
    _fashion_mnist_source(fashion_root)

    def fashion(train: bool) -> tuple[np.ndarray, np.ndarray]:
        fm = datasets.FashionMNIST(fashion_root, train=train)
        return fm.data.numpy(), fm.targets.numpy()
    _offline.write_cifar_standin(folder, fashion, FASHION_MNIST_CLASSES)


def _cifar10_source(root: Path) -> Source:
    """The data folder, then the download, then the stand-in."""
    folder = root / CIFAR10_FOLDER
    found = _in_data_folder(
        "CIFAR-10", folder, _offline.cifar_problems, "put in it the files of "
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz")
    if found:
        return found
    if not offline() and _offline.download(
            "CIFAR-10", root, lambda tmp: datasets.CIFAR10(tmp, download=True),
            lambda tmp: _offline.move_folder(tmp / CIFAR10_FOLDER, folder)):
        return Source("CIFAR-10", "download",
                      f"real data, downloaded by torchvision into {root}")
    _offline.ensure_folder(
        root / "standin", TintedFashionMNIST.base_folder,
        _offline.cifar_problems, lambda f: _write_cifar_standin(f, root))
    return Source("CIFAR-10", "stand-in",
                  "STAND-IN: real CIFAR-10 is not available offline, so this "
                  "is 'Tinted Fashion-MNIST' (Fashion-MNIST painted in random "
                  "colours, 3x32x32, 10 classes with Fashion-MNIST's names)")


def cifar10_datasets(transform=None, train_transform=None,
                     root: str | Path | None = None) -> Datasets:
    """CIFAR-10's training and test sets and class names, or the labelled
    stand-in offline (chapter 5).

    Returns ``Datasets(train, test, classes, source)``;
    ``source.is_standin`` tells whether this is real CIFAR-10. In quick mode
    both sets are fixed random subsets.
    """
    root = _root(root)
    source = _cifar10_source(root)
    source.announce()
    cls, where = ((TintedFashionMNIST, root / "standin") if source.is_standin
                  else (datasets.CIFAR10, root))
    transform = transform or transforms.ToTensor()
    try:
        train = cls(where, train=True, transform=train_transform or transform)
        test = cls(where, train=False, transform=transform)
    except RuntimeError as err:  # torchvision's checksums differ
        raise DataUnavailableError(
            f"{where / cls.base_folder} is damaged: {err}. Delete that folder "
            "to have it downloaded or made again.") from err
    return Datasets(*_quick("cifar10", train, test), list(train.classes),
                    source)


# ------------------------------------------------------ cats vs dogs

PET_FOLDER = "oxford-iiit-pet"  # what torchvision's OxfordIIITPet reads
PET_STANDIN_FOLDER = "pet-photo-standin"  # holds a folder oxford-iiit-pet


def _pet_source(root: Path) -> tuple[Source, Path]:
    """The data folder, then the download, then the stand-in; and the root
    to read ``oxford-iiit-pet/`` from."""
    real = root / PET_FOLDER
    found = _in_data_folder(
        "Oxford-IIIT Pet", real, _offline.pet_problems, "put in it images/ "
        "and annotations/ from https://www.robots.ox.ac.uk/~vgg/data/pets/")
    if found:
        return found, root

    def fetch(tmp: Path) -> None:
        datasets.OxfordIIITPet(tmp, download=True)
        for archive in (tmp / PET_FOLDER).glob("*.tar.gz"):
            archive.unlink()  # keep only what was extracted
    if not offline() and _offline.download(
            "Oxford-IIIT Pet", root, fetch,
            lambda tmp: _offline.move_folder(tmp / PET_FOLDER, real)):
        return Source("Oxford-IIIT Pet", "download", "real data, downloaded "
                      f"by torchvision into {root}"), root
    standin = root / "standin"
    _offline.ensure_folder(
        standin, PET_STANDIN_FOLDER,
        lambda f: _offline.pet_problems(f / PET_FOLDER),
        lambda f: _offline.write_pet_standin(f, PET_STANDIN_CLASSES))
    return Source("Oxford-IIIT Pet", "stand-in",
                  "STAND-IN: Oxford-IIIT Pet is not available offline, so "
                  "this is 'pet photo stand-in' (crops of scikit-image's "
                  "sample photographs; classes 'cat' and 'not_cat')"
                  ), standin / PET_STANDIN_FOLDER


def _balanced(labels: Sequence[int], per_class: int | None,
              seed: int) -> list[int]:
    """Indices of ``per_class`` random items of each class (all: None)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        picked.extend(idx[:per_class].tolist())
    return sorted(picked)


def cats_vs_dogs_datasets(transform=None, train_transform=None,
                          per_class: int | None = 50,
                          test_per_class: int | None = 50,
                          root: str | Path | None = None,
                          seed: int = 0) -> Datasets:
    """Cats vs dogs from Oxford-IIIT Pet (``target_types="binary-category"``):
    balanced subsets of its trainval and test splits, or the labelled
    stand-in offline (chapter 6).

    ``per_class`` / ``test_per_class`` images of each class are kept
    (``None``: all; quick mode keeps fewer). Returns
    ``Datasets(train, test, classes, source)``: ``train`` comes from the
    ``trainval`` split, and chapter 6 cuts its validation set out of it;
    ``test`` comes from the ``test`` split and is the test set.
    """
    root = _root(root)
    source, where = _pet_source(root)
    source.announce()
    if is_quick():
        per_class, test_per_class = (
            min(n or 10 ** 9, q // 2) for n, q in
            zip((per_class, test_per_class), QUICK_SIZES["cats_vs_dogs"]))
    transform = transform or transforms.ToTensor()
    parts = []
    for split, n, tf, s in (("trainval", per_class, train_transform, seed),
                            ("test", test_per_class, None, seed + 1)):
        full = datasets.OxfordIIITPet(where, split=split,
                                      target_types="binary-category",
                                      transform=tf or transform)
        labels = _offline.pet_labels(where / PET_FOLDER, split)
        if len(labels) != len(full):
            raise RuntimeError(f"torchvision read {len(full)} images of "
                               f"{split}, the annotations list {len(labels)}")
        parts.append(Subset(full, _balanced(labels, n, s)))
    classes = PET_STANDIN_CLASSES if source.is_standin else PET_CLASSES
    return Datasets(*parts, list(classes), source)
