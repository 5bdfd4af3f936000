"""helpers.data under faults injected for real: damaged files are named and
nothing the reader put there is lost; killed and concurrent processes."""

import json
import os
import signal
import time
from pathlib import Path

import filelock
import pytest
from fake_data import (
    idx_files,
    python,
    write_cifar_folder,
    write_fashion_mnist,
    write_pet_folder,
)

import helpers._offline as off
import helpers.data as hd

LABELS = "t10k-labels-idx1-ubyte"


pytest_plugins = ["data_fixtures"]


@pytest.fixture(autouse=True)
def no_downloads(offline_machine):
    """Downloads are attempted, and fail."""


# ------------------------------------------------------ damaged data folders

def test_only_the_damaged_idx_files_are_repaired_and_the_readers_files_stay(
        tmp_path, monkeypatch, fake_debian, printed):
    monkeypatch.setattr(off, "DEBIAN_FASHION_MNIST", fake_debian)
    raw = write_fashion_mnist(tmp_path)
    (raw / LABELS).write_bytes(b"")
    (raw / "train-images-idx3-ubyte").unlink()
    mine = {tmp_path / "FashionMNIST" / "notes.txt": b"my notes",
            raw / "my-model.pt": b"weights",
            tmp_path / "FashionMNIST" / "processed-by-me" / "x.bin": b"x"}
    for path, content in mine.items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
    kept = (raw / "train-labels-idx1-ubyte").stat().st_ino
    _, test, _, source = hd.fashion_mnist_datasets(root=tmp_path)
    assert source.kind == "offline package"
    assert f"replacing damaged files: {LABELS}" in printed()
    assert all(path.read_bytes() == content for path, content in mine.items())
    assert (raw / "train-labels-idx1-ubyte").stat().st_ino == kept
    package, theirs = idx_files(shift=3), idx_files()
    for name in idx_files():
        repaired = name in (LABELS, "train-images-idx3-ubyte")
        assert (raw / name).read_bytes() == (package if repaired
                                             else theirs)[name]
    assert len(test) > 0


def truncated(files):
    files["train-images-idx3-ubyte"] = files["train-images-idx3-ubyte"][:-9]


def empty_labels(files):
    files[LABELS] = b""


def wrong_file(files):  # the training labels where the test labels go
    files[LABELS] = files["train-labels-idx1-ubyte"]


def not_idx(files):
    files["t10k-images-idx3-ubyte"] = b"<html>Not Found</html>"


def bad_label(files):
    files[LABELS] = files[LABELS][:-1] + b"\x0c"


@pytest.mark.parametrize("damage,file,says", [
    (truncated, "train-images-idx3-ubyte", "truncated"),
    (empty_labels, LABELS, "empty"),
    (wrong_file, LABELS, "60000 items instead of 10000"),
    (not_idx, "t10k-images-idx3-ubyte", "does not start with the IDX"),
    (bad_label, LABELS, "label 12"),
])
def test_a_damaged_fashion_mnist_file_is_named_and_kept(
        tmp_path, no_debian, printed, damage, file, says):
    raw = write_fashion_mnist(tmp_path)
    files = idx_files()
    damage(files)
    (raw / file).write_bytes(files[file])
    with pytest.raises(hd.DataUnavailableError) as error:
        hd.fashion_mnist_datasets(root=tmp_path)
    message = " ".join(str(error.value).split())
    assert f"is damaged: {file}: " in message and says in message
    assert "real data" not in printed()
    assert (raw / file).read_bytes() == files[file]  # the reader's file stays


def test_a_damaged_cifar_folder_is_named_and_kept(tmp_path, printed):
    folder = write_cifar_folder(tmp_path / "cifar-10-batches-py")
    (folder / "batches.meta").unlink()
    (folder / "data_batch_3").write_bytes(b"\x80\x04 cut off")
    before = sorted(os.listdir(folder))
    with pytest.raises(hd.DataUnavailableError) as error:
        hd.cifar10_datasets(root=tmp_path)
    message = str(error.value)
    assert "damaged" in message and "batches.meta: missing" in message
    assert "data_batch_3: unreadable" in message
    assert "Delete the folder" in message and "real data" not in printed()
    assert sorted(os.listdir(folder)) == before
    assert not (tmp_path / "standin").exists()  # no stand-in in its place


@pytest.mark.parametrize("line,says", [
    ("Bengal_9 1 1", "line 2"),
    ("Bengal_9 1 3 1", "species 1 or 2"),
    ("", "line 2"),
])
def test_a_damaged_pet_annotation_file_is_named(tmp_path, line, says):
    base = write_pet_folder(tmp_path / "oxford-iiit-pet")
    path = base / "annotations" / "test.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], line, *lines[1:]]) + "\n")
    with pytest.raises(hd.DataUnavailableError,
                       match=f"damaged: .*annotations/test.txt.*{says}"):
        hd.cats_vs_dogs_datasets(root=tmp_path)


def test_a_pet_image_that_is_listed_but_missing_is_named(tmp_path):
    base = write_pet_folder(tmp_path / "oxford-iiit-pet")
    (base / "images" / "pug_3.jpg").unlink()
    with pytest.raises(hd.DataUnavailableError,
                       match="images/pug_3.jpg: missing"):
        hd.cats_vs_dogs_datasets(root=tmp_path)
    assert (base / "images" / "pug_1.jpg").exists()


def test_a_damaged_standin_is_made_again(tmp_path, printed):
    hd.cats_vs_dogs_datasets(root=tmp_path)
    base = tmp_path / "standin" / "pet-photo-standin" / "oxford-iiit-pet"
    first = (base / "images" / "cat_test_000.jpg").read_bytes()
    (base / "images" / "cat_test_000.jpg").unlink()
    printed()
    hd.cats_vs_dogs_datasets(root=tmp_path)
    assert "is damaged" in printed()
    assert (base / "images" / "cat_test_000.jpg").read_bytes() == first


# ------------------------------------------------------ CNN_BOOK_DATA

def unwritable(tmp_path):
    """A folder that cannot be made: its parent is a file."""
    (tmp_path / "a-file").write_text("")
    return tmp_path / "a-file" / "data"


def read_only(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write to read-only folders")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


@pytest.mark.parametrize("make", [unwritable, read_only])
def test_an_unwritable_data_folder_is_named_with_its_variable(
        tmp_path, monkeypatch, fake_debian, make):
    monkeypatch.setattr(off, "DEBIAN_FASHION_MNIST", fake_debian)
    monkeypatch.setenv("CNN_BOOK_DATA", str(make(tmp_path)))
    with pytest.raises(hd.DataUnavailableError) as error:
        hd.fashion_mnist_datasets()
    message = str(error.value)
    assert "CNN_BOOK_DATA" in message and "Debian" not in message


# ------------------------------------------------------ killed and concurrent

SMALL = {"trainval": 12, "test": 6}  # images per class in these stand-ins

SLOW_STANDIN = f"""
import sys, time
import helpers._offline as off
off.PET_STANDIN_PER_CLASS = {SMALL}
crop = off.random_crop
def slow_crop(*args, **kwargs):
    time.sleep(0.02)
    return crop(*args, **kwargs)
off.random_crop = slow_crop
from helpers.data import cats_vs_dogs_datasets
cats_vs_dogs_datasets(root=sys.argv[1])
"""


def child_env(**extra):
    return {**os.environ, "CNN_BOOK_OFFLINE": "1", "CNN_BOOK_QUICK": "1",
            "OMP_NUM_THREADS": "1", **extra}


def test_a_process_killed_while_writing_a_standin_leaves_nothing_for_good(
        tmp_path, monkeypatch):
    monkeypatch.setattr(off, "PET_STANDIN_PER_CLASS", SMALL)
    child = python(SLOW_STANDIN.replace("sys.argv[1]", repr(str(tmp_path))),
                   env=child_env())
    standin = tmp_path / "standin"
    deadline = time.monotonic() + 120
    while not list(standin.glob(".partial-*/*/*/images/*_005.jpg")):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the stand-in was not started"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = list(standin.glob(".partial-*"))
    assert len(left) == 1 and not (standin / "pet-photo-standin").exists()
    # a partial folder of a live process stays, an hour-old one goes
    live = standin / f".partial-{os.getpid()}-live"
    old = standin / f".partial-{os.getpid()}-old"
    live.mkdir()
    old.mkdir()
    os.utime(old, (time.time() - 2 * off.STALE_AFTER_S,) * 2)
    train, _, _, _ = hd.cats_vs_dogs_datasets(root=tmp_path)
    assert len(train) > 0
    assert list(standin.glob(".partial-*")) == [live]


DIGEST = f"""
import hashlib, json, sys, time
from pathlib import Path
import helpers._offline as off
off.PET_STANDIN_PER_CLASS = {SMALL}
from helpers.data import cats_vs_dogs_datasets
root, me = Path(sys.argv[1]), sys.argv[2]
(root / f"ready-{{me}}").touch()
while not (root / "go").exists():
    time.sleep(0.005)
(root / f"started-{{me}}").touch()
train, test, classes, source = cats_vs_dogs_datasets(root=root / "data")
digest = hashlib.sha256()
for x, y in [*train, *test]:
    digest.update(x.numpy().tobytes() + bytes([y]))
print(json.dumps([source.kind, classes, len(train), digest.hexdigest()]))
"""


def wait_for(tmp_path: Path, pattern: str, children: list) -> None:
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob(pattern))) < len(children):
        assert all(c.poll() is None for c in children)
        assert time.monotonic() < deadline, f"no {pattern}"
        time.sleep(0.01)


def test_two_processes_building_the_same_standin_both_succeed_alike(tmp_path):
    """Both start at the same moment while a third holds the lock: neither
    writes until it is released, then both read the same stand-in."""
    standin = tmp_path / "data" / "standin"
    standin.mkdir(parents=True)
    code = DIGEST.replace("sys.argv[1]", repr(str(tmp_path)))
    children = [python(code.replace("sys.argv[2]", repr(str(i))),
                       env=child_env()) for i in range(2)]
    wait_for(tmp_path, "ready-*", children)
    with filelock.FileLock(str(standin / off.LOCK_NAME)):
        (tmp_path / "go").touch()
        wait_for(tmp_path, "started-*", children)
        time.sleep(1.0)
        assert sorted(os.listdir(standin)) == [off.LOCK_NAME]  # they wait
    results = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert "Waiting for another process" in " ".join(out.split())
        results.append(json.loads(out.splitlines()[-1]))
    assert results[0] == results[1]
    assert results[0][:3] == ["stand-in", ["cat", "not_cat"], 24]
    assert not list(standin.glob(".partial-*"))
