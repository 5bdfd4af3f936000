"""How ``helpers.data`` puts datasets on disk, checks them, makes stand-ins.

Private: chapters call ``helpers.data``. The rules this module keeps:

- Nothing is half-written. Whatever the book writes goes first into a hidden
  ``.partial-<pid>-<random>`` folder in the folder it is for, is checked, and
  is then moved into place by a rename. A partial folder whose process is
  gone (or that is older than an hour) is removed the next time.
- Nothing the reader put there is deleted. In a dataset's own folder only
  the files the book reads are written; a damaged one is named, with how to
  fix it.
- Two processes never write the same thing at once: a lock file per data
  folder makes the second one wait, then use what the first one wrote.
- Files are checked against their public formats (IDX headers, CIFAR's
  pickled batches, Oxford-IIIT Pet's annotation lines), never through
  torchvision's private methods.
"""

from __future__ import annotations

import gzip
import os
import pickle
import shutil
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import filelock
import numpy as np
from PIL import Image

from .config import DATA_ENV, failure, say

PARTIAL = ".partial-"
LOCK_NAME = ".cnn-book.lock"
STALE_AFTER_S = 3600  # a partial folder this old is abandoned, any pid


class DataUnavailableError(RuntimeError):
    """A dataset is in none of its sources, or its files are damaged: the
    message says what is wrong, what to fetch and where to put it."""


def where(root: Path) -> str:
    """``root`` as a message names it, with the variable that set it."""
    env = os.environ.get(DATA_ENV)
    if env and Path(env).expanduser() in (root, *root.parents):
        return f"{root} (set by {DATA_ENV})"
    return str(root)


# ------------------------------------------------------ writing safely

def _abandoned(partial: Path) -> bool:
    """True if the process that made ``partial`` is gone, or it is old."""
    try:
        if time.time() - partial.stat().st_mtime > STALE_AFTER_S:
            return True
        pid = int(partial.name[len(PARTIAL):].split("-")[0])
    except (OSError, ValueError):
        return False
    if os.name != "posix":  # os.kill(pid, 0) would end the process there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, but another user's
        return False
    return False


def clean_partials(root: Path) -> None:
    """Remove the partial folders in ``root`` that were abandoned."""
    if not root.is_dir():
        return
    for partial in root.glob(PARTIAL + "*"):
        if _abandoned(partial):
            shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold ``root``'s lock file: other processes that want to write into
    ``root`` wait until this one is done."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(root / LOCK_NAME))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            say(f"Waiting for another process that is writing into {root}")
            lock.acquire()
    except (PermissionError, NotADirectoryError, FileExistsError) as err:
        raise DataUnavailableError(
            f"Cannot write to the data folder {where(root)}: {err}. Make it "
            f"a folder you can write to, or set {DATA_ENV} to one.") from err
    try:
        clean_partials(root)
        yield
    finally:
        lock.release()


@contextmanager
def partial_folder(root: Path) -> Iterator[Path]:
    """A new hidden folder in ``root``, removed afterwards whatever happens.
    Call it while holding ``locked(root)``."""
    tmp = root / f"{PARTIAL}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def describe(problems: dict[str, str]) -> str:
    return "; ".join(f"{name}: {what}" for name, what in problems.items())


def ensure_folder(root: Path, name: str,
                  problems: Callable[[Path], dict[str, str]],
                  fill: Callable[[Path], None]) -> None:
    """Make sure the book's own folder ``root/name`` exists and is whole.

    ``problems(folder)`` says what is wrong with a folder (empty: nothing);
    ``fill(folder)`` writes a new one. If another process is writing it,
    wait for it and use its result. Only for folders the book owns: a
    damaged one is replaced.
    """
    target = root / name
    if target.is_dir() and not problems(target):
        return
    with locked(root):
        damaged = problems(target) if target.exists() else {}
        if target.exists() and not damaged:
            return  # another process wrote it while this one waited
        if damaged:
            say(f"{target} is damaged ({describe(damaged)}); making it again")
        with partial_folder(root) as tmp:
            fill(tmp / name)
            found = problems(tmp / name)
            if found:
                raise RuntimeError(f"{name} came out wrong: {describe(found)}")
            if damaged:  # out of the way, into the folder removed below
                os.replace(target, tmp / "damaged")
            try:
                os.rename(tmp / name, target)  # only if absent
            except OSError:
                if not target.is_dir() or problems(target):
                    raise


def move_folder(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, unless ``target`` is already there."""
    if not target.exists():
        os.replace(source, target)


def download(what: str, root: Path, fetch: Callable[[Path], object],
             install: Callable[[Path], None]) -> bool:
    """``fetch(tmp)`` (torchvision's download) into a partial folder, then
    ``install(tmp)`` moves the result into ``root``. False if it fails."""
    with locked(root), partial_folder(root) as tmp:
        try:
            fetch(tmp)
        except Exception as err:  # noqa: BLE001 - any failure: not this way
            why = failure(err)
            if why != "no network":  # no network: the next line says it
                say(f"{what}: the download failed ({why})")
            return False
        install(tmp)
    return True


# ------------------------------------------------------ Fashion-MNIST

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
#: The four files torchvision reads: (IDX magic number, number of items).
IDX_FILES = {"train-images-idx3-ubyte": (2051, 60000),
             "train-labels-idx1-ubyte": (2049, 60000),
             "t10k-images-idx3-ubyte": (2051, 10000),
             "t10k-labels-idx1-ubyte": (2049, 10000)}


def idx_problem(name: str, head: bytes, size: int,
                labels: bytes | None = None) -> str | None:
    """What is wrong with an uncompressed Fashion-MNIST IDX file ``name``,
    given its first 16 bytes, its size and (label files) its contents."""
    magic, count = IDX_FILES[name]
    header, item = (16, 28 * 28) if magic == 2051 else (8, 1)
    if size == 0:
        return "the file is empty"
    if len(head) < header:
        return f"{size} bytes, shorter than its {header}-byte header"
    if int.from_bytes(head[:4], "big") != magic:
        return (f"it does not start with the IDX number {magic}: it is not "
                "this file of Fashion-MNIST")
    if int.from_bytes(head[4:8], "big") != count:
        return (f"its header says {int.from_bytes(head[4:8], 'big')} items "
                f"instead of {count}: it is another file")
    if magic == 2051 and head[8:16] != (28).to_bytes(4, "big") * 2:
        return "its images are not 28x28"
    if size != header + count * item:
        return (f"{size} bytes instead of {header + count * item}: "
                "it is truncated or has extra bytes")
    if labels is not None and max(labels[header:]) > 9:
        return f"it has the label {max(labels[header:])}; classes are 0-9"
    return None


def idx_bytes_problem(name: str, data: bytes) -> str | None:
    """What is wrong with ``data`` as the Fashion-MNIST IDX file ``name``."""
    return idx_problem(name, data[:16], len(data),
                       data if "labels" in name else None)


def fashion_mnist_folder(root: Path) -> Path:
    """Where torchvision's ``FashionMNIST(root)`` reads its four files."""
    return root / "FashionMNIST" / "raw"


def fashion_mnist_problems(root: Path) -> dict[str, str]:
    """The files of the four that are missing or damaged in ``root``."""
    raw = fashion_mnist_folder(root)
    found = {}
    for name in IDX_FILES:
        path = raw / name
        if not path.is_file():
            found[name] = "missing"
            continue
        with open(path, "rb") as f:
            head = f.read(16)
        is_labels = "labels" in name
        problem = idx_problem(name, head, path.stat().st_size,
                              path.read_bytes() if is_labels else None)
        if problem:
            found[name] = problem
    return found


def _install_idx(root: Path, files: dict[str, bytes | Path]) -> list[str]:
    """Put the given IDX files (bytes, or a file to move) into the data
    folder, each checked and moved into place by a rename. Hold the lock."""
    raw = fashion_mnist_folder(root)
    raw.mkdir(parents=True, exist_ok=True)
    with partial_folder(root) as tmp:
        for name, content in files.items():
            out = tmp / name
            if isinstance(content, Path):
                os.replace(content, out)
            else:
                out.write_bytes(content)
            problem = idx_bytes_problem(name, out.read_bytes())
            if problem:
                raise ValueError(f"{name}: {problem}")
            os.replace(out, raw / name)
    return list(files)


def fashion_mnist_from_debian(root: Path) -> list[str] | None:
    """Copy the missing or damaged files from Debian's package
    dataset-fashion-mnist; the names copied, or None if it is unusable."""
    gz = {name: DEBIAN_FASHION_MNIST / f"{name}.gz" for name in IDX_FILES}
    if not all(path.is_file() for path in gz.values()):
        return None
    with locked(root):
        needed = fashion_mnist_problems(root)
        files = {}
        try:
            for name in needed:
                files[name] = gzip.decompress(gz[name].read_bytes())
                problem = idx_bytes_problem(name, files[name])
                if problem:
                    raise ValueError(f"{name}: {problem}")
        except (OSError, EOFError, zlib.error, ValueError) as err:
            say(f"Fashion-MNIST: the copy in {DEBIAN_FASHION_MNIST} is "
                f"damaged ({err}); not using it")
            return None
        return _install_idx(root, files)


def fashion_mnist_download(root: Path,
                           fetch: Callable[[Path], object]) -> list | None:
    """The missing or damaged files from torchvision's download
    (``fetch(tmp)``); the names installed, or None if it failed."""
    installed = []

    def install(tmp: Path) -> None:
        got = fashion_mnist_folder(tmp)
        needed = fashion_mnist_problems(root)
        installed.extend(_install_idx(root, {n: got / n for n in needed}))

    ok = download("Fashion-MNIST", root, fetch, install)
    return installed if ok else None


# ------------------------------------------------------ CIFAR-10

CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
CIFAR_META = "batches.meta"


def _unpickle(path: Path) -> dict:
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


def cifar_problems(folder: Path) -> dict[str, str]:
    """What is wrong with the files of a folder in CIFAR-10's format
    (``cifar-10-batches-py``): each batch a pickled dict with ``data``
    [N, 3072] uint8 and N ``labels`` in 0-9; ``batches.meta`` with ten
    ``label_names``."""
    found = {}
    for name in [*CIFAR_BATCHES, CIFAR_META]:
        path = folder / name
        if not path.is_file():
            found[name] = "missing"
            continue
        try:
            content = _unpickle(path)
            if name == CIFAR_META:
                ok = len(content["label_names"]) == 10
                what = "ten label_names"
            else:
                data, labels = np.asarray(content["data"]), content["labels"]
                ok = (data.ndim == 2 and data.shape[1] == 3072
                      and data.dtype == np.uint8
                      and len(labels) == len(data)
                      and all(0 <= y < 10 for y in labels))
                what = "data [N, 3072] uint8 and N labels in 0-9"
            if not ok:
                found[name] = f"it does not hold {what}"
        except Exception as err:  # noqa: BLE001 - unreadable in any way
            found[name] = f"unreadable ({type(err).__name__}: {err})"
    return found


# ------------------------------------------------------ Oxford-IIIT Pet

PET_SPLITS = ("trainval", "test")


def pet_labels(base: Path, split: str) -> list[int]:
    """Cat (0) or dog (1) for each image of ``split``, in the order of
    ``annotations/<split>.txt`` (lines ``Image CLASS-ID SPECIES BREED-ID``,
    species 1 cat, 2 dog), which is torchvision's order. ``ValueError``
    names the first problem."""
    path = base / "annotations" / f"{split}.txt"
    if not path.is_file():
        raise ValueError(f"{path.relative_to(base)}: missing")
    labels = []
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if (len(fields) != 4 or not all(f.isdigit() for f in fields[1:])
                or fields[2] not in ("1", "2")):
            raise ValueError(f"{path.relative_to(base)}, line {number}: "
                             f"{line!r} is not 'Image CLASS-ID SPECIES "
                             "BREED-ID' with species 1 or 2")
        if not (base / "images" / f"{fields[0]}.jpg").is_file():
            raise ValueError(f"images/{fields[0]}.jpg: missing (listed in "
                             f"{path.relative_to(base)}, line {number})")
        labels.append(int(fields[2]) - 1)
    if not labels:
        raise ValueError(f"{path.relative_to(base)}: the file is empty")
    return labels


def pet_problems(base: Path) -> dict[str, str]:
    """What is wrong with a folder in Oxford-IIIT Pet's layout."""
    found = {}
    for split in PET_SPLITS:
        try:
            pet_labels(base, split)
        except ValueError as err:
            found[split] = str(err)
    return found


# ------------------------------------------------------ the stand-ins

CIFAR_STANDIN_SIZES = (10000, 2000)
PET_STANDIN_PER_CLASS = {"trainval": 150, "test": 60}


def tint(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[N, 28, 28] uint8 -> [N, 3, 32, 32] uint8 coloured, shifted, noisy:
    a light foreground colour on a dark background, one pair per image."""
    n = gray.shape[0]
    g = np.zeros((n, 32, 32), dtype=np.float32)
    offsets = rng.integers(0, 5, size=(n, 2))
    for i, (dy, dx) in enumerate(offsets):
        g[i, dy:dy + 28, dx:dx + 28] = gray[i] / 255.0
    background = rng.uniform(0.0, 0.45, size=(n, 3, 1, 1))  # dark
    foreground = rng.uniform(0.55, 1.0, size=(n, 3, 1, 1))  # light
    background, foreground = (c.astype(np.float32)
                              for c in (background, foreground))
    img = background * (1 - g[:, None]) + foreground * g[:, None]
    img += rng.normal(0, 0.04, size=img.shape).astype(np.float32)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def write_cifar_standin(folder: Path, fashion: Callable[[bool], tuple],
                        label_names: list[str], seed: int = 0) -> None:
    """Write Tinted Fashion-MNIST into ``folder`` in CIFAR-10's format.
    ``fashion(train)`` gives Fashion-MNIST's images [N, 28, 28] uint8 and
    labels [N] of a split; image ``i`` keeps the label of its garment."""
    folder.mkdir()
    rng = np.random.default_rng(seed)
    n_train, n_test = CIFAR_STANDIN_SIZES
    per = n_train // 5

    def pick(train: bool, n: int) -> tuple[np.ndarray, list[int]]:
        images, labels = fashion(train)
        idx = rng.choice(len(labels), size=n, replace=False)
        return tint(images[idx], rng).reshape(n, -1), labels[idx].tolist()

    def dump(name: str, title: str, data, labels, names) -> None:
        batch = {"batch_label": title, "labels": labels, "data": data,
                 "filenames": names}
        (folder / name).write_bytes(pickle.dumps(batch))

    data, labels = pick(True, n_train)
    for b in range(5):
        part = slice(b * per, (b + 1) * per)
        dump(f"data_batch_{b + 1}", f"stand-in training batch {b + 1} of 5",
             data[part], labels[part],
             [f"tinted_{i:05d}.png" for i in range(part.start, part.stop)])
    data, labels = pick(False, n_test)
    dump("test_batch", "stand-in test batch", data, labels,
         [f"tinted_test_{i:05d}.png" for i in range(n_test)])
    meta = {"label_names": list(label_names), "num_cases_per_batch": per,
            "num_vis": 3072}
    (folder / CIFAR_META).write_bytes(pickle.dumps(meta))
    (folder / "README.txt").write_text(
        "Not CIFAR-10: 'Tinted Fashion-MNIST', a stand-in that the book's\n"
        "helpers made from Fashion-MNIST, in CIFAR-10's file format.\n")


def standin_photos() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The photographs the pet stand-in is cut from: scikit-image's cat
    ('chelsea'), and its other colour photographs."""
    from skimage import data as skdata
    cats = [skdata.chelsea()]
    others = [skdata.coffee(), skdata.astronaut(), skdata.rocket(),
              skdata.immunohistochemistry(), skdata.hubble_deep_field()]
    return cats, others


def random_crop(photo: np.ndarray, rng: np.random.Generator,
                size: int = 192) -> Image.Image:
    """A random square crop, resized, maybe mirrored, brighter or darker."""
    h, w = photo.shape[:2]
    side = int(rng.integers(int(0.45 * min(h, w)), min(h, w) + 1))
    y = int(rng.integers(0, h - side + 1))
    x = int(rng.integers(0, w - side + 1))
    crop = Image.fromarray(photo[y:y + side, x:x + side])
    crop = crop.resize((size, size), Image.BILINEAR)
    if rng.random() < 0.5:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    pixels = np.asarray(crop, dtype=np.float32) * rng.uniform(0.7, 1.3)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def write_pet_standin(folder: Path, class_names: list[str],
                      seed: int = 0) -> None:
    """Write the pet stand-in into ``folder/oxford-iiit-pet`` in
    Oxford-IIIT Pet's layout: class 0 from the cat photo, class 1 from
    the others."""
    rng = np.random.default_rng(seed)
    photos = standin_photos()
    base = folder / "oxford-iiit-pet"
    (base / "images").mkdir(parents=True)
    (base / "annotations").mkdir()
    for split, per_class in PET_STANDIN_PER_CLASS.items():
        lines = []
        for label, name in enumerate(class_names):
            for i in range(per_class):
                image_id = f"{name}_{split}_{i:03d}"
                crop = random_crop(photos[label][i % len(photos[label])], rng)
                crop.save(base / "images" / f"{image_id}.jpg", quality=90)
                # class id (1-based), species (1 cat, 2 dog), breed id
                lines.append(f"{image_id} {label + 1} {label + 1} 1")
        (base / "annotations" / f"{split}.txt").write_text(
            "\n".join(lines) + "\n")
    (folder / "README.txt").write_text(
        "Not Oxford-IIIT Pet: a stand-in that the book's helpers made from\n"
        "crops of scikit-image's sample photographs, in Oxford-IIIT Pet's\n"
        f"layout. Classes: {', '.join(class_names)}.\n")
