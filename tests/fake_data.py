"""Small, valid fakes of the datasets' files, for the tests of helpers.data.

The fake Fashion-MNIST is trivial: the image of class ``c`` is a bright bar
``2 (c + 1)`` pixels wide, so the label can be read back off any image made
from it, however it is shifted or coloured. Its test split's labels start
one class later than its training split's, so that reading one split's
files for the other shows.
"""

import gzip
import pickle
from pathlib import Path

import numpy as np
from PIL import Image

BAR_ROWS = 20  # the bar of class c covers BAR_ROWS * 2 * (c + 1) pixels
SIZES = {"train": 12000, "t10k": 3000}  # enough for the CIFAR-10 stand-in


def idx_files(shift: int = 0) -> dict[str, bytes]:
    """The four IDX files of a fake Fashion-MNIST, by name."""
    files = {}
    for split, n in SIZES.items():
        first = shift + (split == "t10k")
        labels = ((np.arange(n) * 7 + first) % 10).astype(np.uint8)
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        for c in range(10):
            images[labels == c, 4 : 4 + BAR_ROWS, 4 : 4 + 2 * (c + 1)] = 255
        head = n.to_bytes(4, "big")
        files[f"{split}-images-idx3-ubyte"] = (
            (2051).to_bytes(4, "big")
            + head
            + (28).to_bytes(4, "big") * 2
            + images.tobytes()
        )
        files[f"{split}-labels-idx1-ubyte"] = (
            (2049).to_bytes(4, "big") + head + labels.tobytes()
        )
    return files


def write_fashion_mnist(root: Path, shift: int = 0) -> Path:
    """A fake Fashion-MNIST where torchvision reads it:
    ``root/FashionMNIST/raw``."""
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, content in idx_files(shift).items():
        (raw / name).write_bytes(content)
    return raw


def write_debian_package(folder: Path, shift: int = 0) -> Path:
    """A fake of Debian's dataset-fashion-mnist: the four files gzipped."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in idx_files(shift).items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(content, 1))
    return folder


def write_cifar_folder(folder: Path, n: int = 20) -> Path:
    """A small folder in CIFAR-10's format: n images per batch."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        batch = {
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "labels": [i % 10 for i in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(batch))
    meta = {"label_names": list("abcdefghij")}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    return folder


#: (image id, class id, species, breed id) of a fake Oxford-IIIT Pet; the
#: class ids are not the species, so mixing up the columns shows.
PET_LINES = {
    "trainval": [
        ("Bengal_1", 1, 1, 1),
        ("Bengal_2", 1, 1, 1),
        ("Sphynx_1", 2, 1, 2),
        ("beagle_1", 3, 2, 1),
        ("pug_1", 4, 2, 2),
        ("pug_2", 4, 2, 2),
    ],
    "test": [("Bengal_3", 1, 1, 1), ("beagle_2", 3, 2, 1), ("pug_3", 4, 2, 2)],
}


def write_pet_folder(base: Path) -> Path:
    """A tiny folder in Oxford-IIIT Pet's layout (``base`` ends in
    ``oxford-iiit-pet``): cats are red images, dogs blue ones."""
    (base / "images").mkdir(parents=True)
    (base / "annotations").mkdir()
    for split, lines in PET_LINES.items():
        for image_id, _, species, _ in lines:
            colour = (200, 0, 0) if species == 1 else (0, 0, 200)
            Image.new("RGB", (40, 30), colour).save(
                base / "images" / f"{image_id}.jpg"
            )
        text = "".join(" ".join(map(str, line)) + "\n" for line in lines)
        (base / "annotations" / f"{split}.txt").write_text(text)
    return base
