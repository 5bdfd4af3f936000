"""Datasets and loaders for Fashion-MNIST, CIFAR-10 and cats vs dogs, and where each came from.

Each dataset is looked for in this order, and one printed line says which source was used:

1. the data folder (``$CNN_BOOK_DATA``, by default ``data/`` at the repository root);
2. an offline copy a package provides (Fashion-MNIST: Debian's ``dataset-fashion-mnist``);
3. torchvision's own download (into a temporary folder, moved into place only once complete);
4. a small, deterministic, learnable **stand-in** with honest class names, in the on-disk format that
   torchvision's loader parses, kept apart under ``<data>/standin/``. Fashion-MNIST has no stand-in.

Quick mode (``CNN_BOOK_QUICK=1``) keeps a fixed random subset of each split. Introduced in chapter 4.
"""

from __future__ import annotations

import gzip
import os
import pickle
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset
from torchvision import datasets, transforms

from .config import data_dir, is_quick, say

OFFLINE_ENV = "CNN_BOOK_OFFLINE"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PET_CLASSES = ["cat", "dog"]
PET_STANDIN_CLASSES = ["cat", "not_cat"]

# Sizes of the quick-mode subsets (train, test) and of the stand-ins.
QUICK_SIZES = {"fashion_mnist": (3000, 1000), "cifar10": (2000, 500), "cats_vs_dogs": (40, 20)}
CIFAR_STANDIN_SIZES = (10000, 2000)
PET_STANDIN_PER_CLASS = {"trainval": 150, "test": 60}


class DataUnavailableError(RuntimeError):
    """A dataset is in none of its sources and has no stand-in: the message says what to fetch and where."""


@dataclass(frozen=True)
class Source:
    """Where a dataset was found: ``kind`` is 'data folder', 'offline package', 'download' or 'stand-in'."""
    dataset: str
    kind: str
    detail: str

    @property
    def is_standin(self) -> bool:
        return self.kind == "stand-in"

    def announce(self) -> None:
        say(f"{self.dataset}: {self.detail}")


class Datasets(NamedTuple):
    """What every ``*_datasets`` function returns: ``train, test, classes, source = ...``."""
    train: Dataset
    test: Dataset
    classes: list[str]
    source: Source


def subset(dataset: Dataset, n: int, seed: int = 0) -> Dataset:
    """A fixed random subset of ``n`` items of ``dataset`` (all of it if it is not larger), in the
    dataset's own order. Quick mode uses it to shrink every dataset; chapters use it for few-shot sets.

    >>> len(subset(list(range(100)), 10))
    10
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if len(dataset) <= n:
        return dataset
    idx = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n]
    return Subset(dataset, sorted(idx.tolist()))


def _quick(name: str, train: Dataset, test: Dataset) -> tuple[Dataset, Dataset]:
    """In quick mode (``CNN_BOOK_QUICK=1``), fixed subsets of the sizes in ``QUICK_SIZES``."""
    if not is_quick():
        return train, test
    n_train, n_test = QUICK_SIZES[name]
    return subset(train, n_train, seed=0), subset(test, n_test, seed=1)


def offline() -> bool:
    """True when ``CNN_BOOK_OFFLINE=1``: downloads are not even attempted."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _unloaded(cls, **attributes):
    """An instance of a torchvision dataset class that has read nothing, to ask its own checks whether
    the files are in place (its ``__init__`` would raise or load everything)."""
    probe = cls.__new__(cls)
    probe.__dict__.update(attributes)
    return probe


# --------------------------------------------------------------------------- writing safely

def _partial_dir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".partial-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def _fill_atomically(root: Path, folder: str, fill: Callable[[Path], None]) -> None:
    """Run ``fill(tmp)``, which must create ``tmp/folder``; then move it to ``root/folder`` in one rename.

    If ``fill`` fails or is interrupted, the partial files are removed and ``root/folder`` is untouched.
    """
    tmp = _partial_dir(root)
    try:
        fill(tmp)
        target = root / folder
        if target.exists():  # left from an older layout: replace it whole
            shutil.rmtree(target)
        os.replace(tmp / folder, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _download(dataset: str, root: Path, folder: str, fetch: Callable[[Path], object]) -> Source | None:
    """Try torchvision's download into a temporary folder; ``None`` if it fails (no network)."""
    if offline():
        return None
    try:
        _fill_atomically(root, folder, fetch)
    except Exception as err:  # noqa: BLE001 - any failure means 'not available this way'
        say(f"{dataset}: download failed ({type(err).__name__}: {str(err).splitlines()[0][:120]})")
        return None
    return Source(dataset, "download", f"downloaded by torchvision into the data folder ({root})")


# --------------------------------------------------------------------------- Fashion-MNIST

_IDX_LAYOUT = {"train-images-idx3-ubyte": (2051, 60000), "train-labels-idx1-ubyte": (2049, 60000),
               "t10k-images-idx3-ubyte": (2051, 10000), "t10k-labels-idx1-ubyte": (2049, 10000)}


def _check_idx(path: Path, magic: int, count: int) -> None:
    """Check an uncompressed IDX file's header and length; raise ``ValueError`` if it is not whole."""
    head = path.read_bytes()[:8] if path.stat().st_size >= 8 else b""
    item = 28 * 28 if magic == 2051 else 1
    header = 16 if magic == 2051 else 8
    if (len(head) < 8 or int.from_bytes(head[:4], "big") != magic or int.from_bytes(head[4:8], "big") != count
            or path.stat().st_size != header + count * item):
        raise ValueError(f"{path.name} is not a complete Fashion-MNIST file")


def _fashion_from_debian(root: Path) -> Source | None:
    files = [DEBIAN_FASHION_MNIST / f"{name}.gz" for name in _IDX_LAYOUT]
    if not all(f.is_file() for f in files):
        return None

    def fill(tmp: Path) -> None:
        raw = tmp / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        for f in files:  # torchvision looks for the uncompressed files only
            out = raw / f.name[:-3]
            with gzip.open(f, "rb") as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            _check_idx(out, *_IDX_LAYOUT[out.name])

    _fill_atomically(root, "FashionMNIST", fill)
    return Source("Fashion-MNIST", "offline package",
                  "real data, copied from the Debian package dataset-fashion-mnist")


def _resolve_fashion_mnist(root: Path) -> Source:
    if _unloaded(datasets.FashionMNIST, root=str(root))._check_exists():
        return Source("Fashion-MNIST", "data folder", "real data, from the data folder")
    try:
        source = _fashion_from_debian(root)
    except (OSError, EOFError, ValueError) as err:  # a damaged package copy: fall through to the download
        print(f"Fashion-MNIST: the copy in {DEBIAN_FASHION_MNIST} is unreadable ({err}); trying the download")
        source = None
    source = source or _download(
        "Fashion-MNIST", root, "FashionMNIST", lambda tmp: datasets.FashionMNIST(tmp, download=True))
    if source is None:
        raise DataUnavailableError(
            "Fashion-MNIST is not available: no copy in the data folder, no Debian package "
            f"dataset-fashion-mnist ({DEBIAN_FASHION_MNIST}) and no network. Download the four *-ubyte.gz "
            "files from https://github.com/zalandoresearch/fashion-mnist, or run "
            "'apt-get install dataset-fashion-mnist', or put the uncompressed files in "
            f"{root / 'FashionMNIST' / 'raw'}.")
    return source


def fashion_mnist_datasets(transform=None, train_transform=None,
                           root: str | Path | None = None) -> Datasets:
    """Fashion-MNIST's training and test sets, its class names and where it came from (chapter 4).

    ``transform`` (default ``ToTensor()``: ``[1, 28, 28]`` floats in [0, 1]) is applied to test images,
    ``train_transform`` (default: the same) to training images. Prints where the data came from. In
    quick mode both sets are fixed random subsets. Returns ``Datasets(train, test, classes, source)``.
    """
    root = Path(root) if root is not None else data_dir()
    source = _resolve_fashion_mnist(root)
    source.announce()
    transform = transform or transforms.ToTensor()
    train = datasets.FashionMNIST(root, train=True, transform=train_transform or transform)
    test = datasets.FashionMNIST(root, train=False, transform=transform)
    return Datasets(*_quick("fashion_mnist", train, test), list(train.classes), source)


# --------------------------------------------------------------------------- CIFAR-10 and its stand-in

class TintedFashionMNIST(datasets.CIFAR10):
    """The CIFAR-10 stand-in, read by torchvision's own CIFAR-10 parser from its own folder.

    Fashion-MNIST images padded to 32x32 at a random offset and painted in a random light foreground
    and dark background colour, with a little noise: 3x32x32, 10 classes, and Fashion-MNIST's class names.
    """
    base_folder = "tinted-fashion-mnist-batches-py"
    train_list = [[f"data_batch_{i}", None] for i in range(1, 6)]
    test_list = [["test_batch", None]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": None}


def _tint(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[N, 28, 28] uint8 -> [N, 3, 32, 32] uint8 coloured, shifted and noisy."""
    n = gray.shape[0]
    g = np.zeros((n, 32, 32), dtype=np.float32)
    offsets = rng.integers(0, 5, size=(n, 2))
    for i, (dy, dx) in enumerate(offsets):
        g[i, dy:dy + 28, dx:dx + 28] = gray[i] / 255.0
    background = rng.uniform(0.0, 0.45, size=(n, 3, 1, 1)).astype(np.float32)  # a dark colour
    foreground = rng.uniform(0.55, 1.0, size=(n, 3, 1, 1)).astype(np.float32)  # a light one
    img = background * (1 - g[:, None]) + foreground * g[:, None]
    img += rng.normal(0, 0.04, size=img.shape).astype(np.float32)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def _write_cifar_standin(root: Path, fm_root: Path, seed: int = 0) -> None:
    """Write the CIFAR-10 stand-in under ``root``, from the Fashion-MNIST found in ``fm_root``."""
    _resolve_fashion_mnist(fm_root)
    rng = np.random.default_rng(seed)
    n_train, n_test = CIFAR_STANDIN_SIZES

    def pick(train: bool, n: int):
        fm = datasets.FashionMNIST(fm_root, train=train)
        idx = rng.choice(len(fm.targets), size=n, replace=False)
        return _tint(fm.data.numpy()[idx], rng).reshape(n, -1), fm.targets.numpy()[idx].tolist()

    def fill(tmp: Path) -> None:
        folder = tmp / TintedFashionMNIST.base_folder
        folder.mkdir()
        data, labels = pick(True, n_train)
        per = n_train // 5
        for b in range(5):
            part = slice(b * per, (b + 1) * per)
            batch = {"batch_label": f"stand-in training batch {b + 1} of 5", "labels": labels[part],
                     "data": data[part], "filenames": [f"tinted_{i:05d}.png" for i in range(part.start, part.stop)]}
            (folder / f"data_batch_{b + 1}").write_bytes(pickle.dumps(batch))
        data, labels = pick(False, n_test)
        test = {"batch_label": "stand-in test batch", "labels": labels, "data": data,
                "filenames": [f"tinted_test_{i:05d}.png" for i in range(n_test)]}
        (folder / "test_batch").write_bytes(pickle.dumps(test))
        meta = {"label_names": list(FASHION_MNIST_CLASSES), "num_cases_per_batch": per, "num_vis": 3072}
        (folder / "batches.meta").write_bytes(pickle.dumps(meta))

    _fill_atomically(root, TintedFashionMNIST.base_folder, fill)


def cifar10_datasets(transform=None, train_transform=None, root: str | Path | None = None) -> Datasets:
    """CIFAR-10's training and test sets and class names, or the labelled stand-in offline (chapter 5).

    Returns ``Datasets(train, test, classes, source)``; ``source.is_standin`` tells whether this is real
    CIFAR-10. In quick mode both sets are fixed random subsets.
    """
    root = Path(root) if root is not None else data_dir()
    transform = transform or transforms.ToTensor()
    if _unloaded(datasets.CIFAR10, root=str(root))._check_integrity():
        source = Source("CIFAR-10", "data folder", "real data, from the data folder")
    else:
        source = _download("CIFAR-10", root, "cifar-10-batches-py",
                           lambda tmp: datasets.CIFAR10(tmp, download=True))
    if source is not None:
        source.announce()
        train = datasets.CIFAR10(root, train=True, transform=train_transform or transform)
        test = datasets.CIFAR10(root, train=False, transform=transform)
        return Datasets(*_quick("cifar10", train, test), list(train.classes), source)
    standin_root = root / "standin"
    if not _unloaded(TintedFashionMNIST, root=str(standin_root))._check_integrity():
        _write_cifar_standin(standin_root, fm_root=root)
    source = Source("CIFAR-10", "stand-in",
                    "STAND-IN: real CIFAR-10 is not available offline, so this is 'Tinted Fashion-MNIST' "
                    "(Fashion-MNIST painted in random colours, 3x32x32, 10 classes with Fashion-MNIST's names)")
    source.announce()
    train = TintedFashionMNIST(str(standin_root), train=True, transform=train_transform or transform)
    test = TintedFashionMNIST(str(standin_root), train=False, transform=transform)
    return Datasets(*_quick("cifar10", train, test), list(train.classes), source)


# --------------------------------------------------------------------------- cats vs dogs and its stand-in

class PetPhotoStandIn(datasets.OxfordIIITPet):
    """The cats-vs-dogs stand-in, read by torchvision's own Oxford-IIIT Pet parser from its own folder.

    Random crops of photographs that scikit-image ships: class 0 'cat' from its cat photo ('chelsea'),
    class 1 'not_cat' from its other colour photographs.
    """

    @property
    def _base_folder(self) -> Path:
        return Path(self.root) / "pet-photo-standin"

    @_base_folder.setter
    def _base_folder(self, value) -> None:  # torchvision assigns its own folder name; keep ours
        pass


def _standin_photos() -> tuple[list[np.ndarray], list[np.ndarray]]:
    from skimage import data as skdata
    cats = [skdata.chelsea()]
    others = [skdata.coffee(), skdata.astronaut(), skdata.rocket(), skdata.immunohistochemistry(),
              skdata.hubble_deep_field()]
    return cats, others


def _random_crop(photo: np.ndarray, rng: np.random.Generator, size: int = 192) -> Image.Image:
    h, w = photo.shape[:2]
    side = int(rng.integers(int(0.45 * min(h, w)), min(h, w) + 1))
    y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = Image.fromarray(photo[y:y + side, x:x + side]).resize((size, size), Image.BILINEAR)
    if rng.random() < 0.5:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    factor = rng.uniform(0.7, 1.3)  # brightness
    return Image.fromarray(np.clip(np.asarray(crop, dtype=np.float32) * factor, 0, 255).astype(np.uint8))


def _write_pet_standin(root: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    cats, others = _standin_photos()

    def fill(tmp: Path) -> None:
        base = tmp / "pet-photo-standin"
        (base / "images").mkdir(parents=True)
        (base / "annotations").mkdir()
        for split, per_class in PET_STANDIN_PER_CLASS.items():
            lines = []
            for label, (name, photos) in enumerate(zip(PET_STANDIN_CLASSES, (cats, others))):
                for i in range(per_class):
                    image_id = f"{name}_{split}_{i:03d}"
                    _random_crop(photos[i % len(photos)], rng).save(base / "images" / f"{image_id}.jpg", quality=90)
                    # torchvision's format: image id, class id (1-based), species (1 cat, 2 dog), breed id
                    lines.append(f"{image_id} {label + 1} {label + 1} 1")
            (base / "annotations" / f"{split}.txt").write_text("\n".join(lines) + "\n")

    _fill_atomically(root, "pet-photo-standin", fill)


def _balanced(labels: Sequence[int], per_class: int | None, seed: int) -> list[int]:
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        picked.extend(rng.permutation(idx)[: per_class if per_class is not None else len(idx)].tolist())
    return sorted(picked)


def cats_vs_dogs_datasets(transform=None, train_transform=None, per_class: int | None = 50,
                          test_per_class: int | None = 50, root: str | Path | None = None,
                          seed: int = 0) -> Datasets:
    """Cats vs dogs from Oxford-IIIT Pet (``target_types="binary-category"``): balanced subsets of its
    trainval and test splits, or the labelled stand-in offline (chapter 6).

    ``per_class`` / ``test_per_class`` images of each class are kept (``None``: all; quick mode keeps fewer).
    Returns ``Datasets(train, test, classes, source)``; the test set serves as the validation set.
    """
    root = Path(root) if root is not None else data_dir()
    transform = transform or transforms.ToTensor()
    pets = root / "oxford-iiit-pet"
    if _unloaded(datasets.OxfordIIITPet, _images_folder=pets / "images", _anns_folder=pets / "annotations")._check_exists():
        source = Source("Oxford-IIIT Pet", "data folder", "real data, from the data folder")
    else:
        source = _download("Oxford-IIIT Pet", root, "oxford-iiit-pet",
                           lambda tmp: datasets.OxfordIIITPet(tmp, target_types="binary-category", download=True))
    if source is not None:
        cls, where, classes = datasets.OxfordIIITPet, root, PET_CLASSES
    else:
        cls, where, classes = PetPhotoStandIn, root / "standin", PET_STANDIN_CLASSES
        if not (_unloaded(PetPhotoStandIn, root=str(where))._base_folder / "annotations" / "test.txt").is_file():
            _write_pet_standin(where)
        source = Source("Oxford-IIIT Pet", "stand-in",
                        "STAND-IN: Oxford-IIIT Pet is not available offline, so this is 'pet photo stand-in' "
                        "(crops of scikit-image's sample photographs; classes 'cat' and 'not_cat')")
    source.announce()
    if is_quick():
        per_class, test_per_class = (min(n or 10 ** 9, q // 2) for n, q in
                                     zip((per_class, test_per_class), QUICK_SIZES["cats_vs_dogs"]))
    kw = dict(target_types="binary-category")
    train_full = cls(str(where), split="trainval", transform=train_transform or transform, **kw)
    test_full = cls(str(where), split="test", transform=transform, **kw)
    train = Subset(train_full, _balanced(train_full._bin_labels, per_class, seed))
    val = Subset(test_full, _balanced(test_full._bin_labels, test_per_class, seed + 1))
    return Datasets(train, val, list(classes), source)
