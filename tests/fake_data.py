"""Small, valid fakes of the datasets' files, for the tests of helpers.data.

Fashion-MNIST's files must have its real sizes (the helpers check them), so
the fake one is full size but trivial: the image of class ``c`` is a bright
bar ``2 (c + 1)`` pixels wide, so the label can be read back off any image
made from it, however it is shifted or coloured.
"""

import gzip
import pickle
import subprocess
import sys
from pathlib import Path
from urllib.error import URLError

import numpy as np

import helpers._offline as off

ROOT = Path(__file__).resolve().parent.parent
BAR_ROWS = 20  # the bar of class c covers BAR_ROWS * 2 * (c + 1) pixels


def fashion_mnist_arrays(n: int, shift: int = 0):
    """``n`` fake images [n, 28, 28] uint8 and their labels [n]."""
    labels = ((np.arange(n) * 7 + shift) % 10).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for c in range(10):
        images[labels == c, 4:4 + BAR_ROWS, 4:4 + 2 * (c + 1)] = 255
    return images, labels


def idx_files(shift: int = 0) -> dict[str, bytes]:
    """The four IDX files of a fake Fashion-MNIST, by name."""
    files = {}
    for split, n in (("train", 60000), ("t10k", 10000)):
        images, labels = fashion_mnist_arrays(n, shift)
        head = (n).to_bytes(4, "big")
        files[f"{split}-images-idx3-ubyte"] = (
            (2051).to_bytes(4, "big") + head + (28).to_bytes(4, "big") * 2
            + images.tobytes())
        files[f"{split}-labels-idx1-ubyte"] = (
            (2049).to_bytes(4, "big") + head + labels.tobytes())
    return files


def write_fashion_mnist(root: Path, shift: int = 0) -> Path:
    """A fake Fashion-MNIST where torchvision reads it:
    ``root/FashionMNIST/raw``."""
    raw = off.fashion_mnist_folder(root)
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
    for name in off.CIFAR_BATCHES:
        batch = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 "labels": [i % 10 for i in range(n)], "batch_label": name,
                 "filenames": [f"{i}.png" for i in range(n)]}
        (folder / name).write_bytes(pickle.dumps(batch))
    names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
    (folder / off.CIFAR_META).write_bytes(pickle.dumps({"label_names": names}))
    return folder


#: (image id, class id, species, breed id) of a fake Oxford-IIIT Pet; the
#: class ids are not the species, so mixing up the columns shows.
PET_LINES = {
    "trainval": [("Bengal_1", 1, 1, 1), ("Bengal_2", 1, 1, 1),
                 ("Sphynx_1", 2, 1, 2), ("beagle_1", 3, 2, 1),
                 ("pug_1", 4, 2, 2), ("pug_2", 4, 2, 2)],
    "test": [("Bengal_3", 1, 1, 1), ("beagle_2", 3, 2, 1),
             ("pug_3", 4, 2, 2)],
}


def write_pet_folder(base: Path) -> Path:
    """A tiny folder in Oxford-IIIT Pet's layout (``base`` ends in
    ``oxford-iiit-pet``): cats are red images, dogs blue ones."""
    from PIL import Image
    (base / "images").mkdir(parents=True)
    (base / "annotations").mkdir()
    for split, lines in PET_LINES.items():
        for image_id, _, species, _ in lines:
            colour = (200, 0, 0) if species == 1 else (0, 0, 200)
            Image.new("RGB", (40, 30), colour).save(
                base / "images" / f"{image_id}.jpg")
        text = "".join(" ".join(map(str, line)) + "\n" for line in lines)
        (base / "annotations" / f"{split}.txt").write_text(text)
    return base


def no_network(*args, **kwargs):
    """What ``urllib.request.urlopen`` does on a machine without a network."""
    raise URLError("[Errno -2] Name or service not known")


def python(code: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    """Start ``python -c code`` with this repository's helpers."""
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)
