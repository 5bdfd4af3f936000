"""Run-wide settings: quick mode, the data folder, the device and seeding (introduced in chapter 1)."""

from __future__ import annotations

import os
import random
import textwrap
from pathlib import Path

import numpy as np
import torch

QUICK_ENV = "CNN_BOOK_QUICK"
DATA_ENV = "CNN_BOOK_DATA"


def is_quick() -> bool:
    """True when the environment variable ``CNN_BOOK_QUICK`` is set to 1/true/yes.

    Quick mode is what the test suite uses: datasets and epochs shrink inside ``helpers`` so that every
    notebook re-runs in seconds; the notebook code reads the same in both modes.
    """
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def epochs(full: int, quick: int = 1) -> int:
    """The number of epochs to train for: ``full`` normally, ``min(full, quick)`` in quick mode."""
    if full < 1:
        raise ValueError(f"epochs must be at least 1, got {full}")
    return min(full, quick) if is_quick() else full


def _repo_root() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    return here if (here / "_config.yml").exists() else None


def data_dir() -> Path:
    """Where datasets are kept: ``$CNN_BOOK_DATA``, else ``data/`` at the root of the book's repository
    (git-ignored), else ``./data`` (e.g. on Colab, where helpers is installed as a package)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    root = _repo_root()
    return (root if root is not None else Path.cwd()) / "data"


def get_device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (all devices) and return a ``torch.Generator`` seeded the same way,
    handy for a ``DataLoader``'s shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


#: Characters of a printed line that the book's pages show without scrolling.
PAGE_WIDTH = 79


def say(message: str) -> None:
    """Print a message of the helpers, wrapped to :data:`PAGE_WIDTH` characters per line.

    Continuation lines are indented by two spaces; names and numbers are never split.
    """
    print(textwrap.fill(message, width=PAGE_WIDTH, subsequent_indent="  ", break_long_words=False,
                        break_on_hyphens=False))
