"""What the chapters of *Convolutional Neural Networks with PyTorch* share;
each docstring names the chapter that introduces it. Here: the run-wide
settings (quick and offline mode, data folder, device, seeds, messages).
"""

import os
import random
import textwrap
from pathlib import Path

import numpy as np
import torch

QUICK_ENV, OFFLINE_ENV = "CNN_BOOK_QUICK", "CNN_BOOK_OFFLINE"
DATA_ENV = "CNN_BOOK_DATA"
#: Characters of a printed line that the book's pages show without scrolling.
PAGE_WIDTH = 79


def env_flag(name: str) -> bool:
    """The yes/no variable ``name``: 1, true, yes, on; 0, false, no, off or
    unset (any case); anything else is a ``ValueError``, not a silent no."""
    value, yes = os.environ.get(name, ""), ("1", "true", "yes", "on")
    if value.strip().lower() not in ("", "0", "false", "no", "off", *yes):
        raise ValueError(f"{name}={value!r} is neither yes (1) nor no (0)")
    return value.strip().lower() in yes


def is_quick() -> bool:
    """True when ``CNN_BOOK_QUICK=1`` (chapter 1): the tests' mode, in
    which datasets and epochs shrink inside ``helpers``."""
    return env_flag(QUICK_ENV)


def offline() -> bool:
    """True when ``CNN_BOOK_OFFLINE=1``: downloads are not even attempted."""
    return env_flag(OFFLINE_ENV)


def epochs(full: int, quick: int = 1) -> int:
    """The number of epochs to train for: ``full`` normally,
    ``min(full, quick)`` in quick mode (never more than ``full``)."""
    if full < 1 or quick < 1:
        raise ValueError(f"epochs must be at least 1, got {full}, {quick}")
    return min(full, quick) if is_quick() else full


def data_dir() -> Path:
    """Where datasets are kept: ``$CNN_BOOK_DATA``, else ``data/`` in the
    book's repository, else ``./data`` (e.g. on Colab)."""
    repository = Path(__file__).resolve().parent.parent
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    here = repository if (repository / "_config.yml").exists() else Path()
    return here.absolute() / "data"


def get_device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; a ``torch.Generator`` seeded alike,
    e.g. for a ``DataLoader``'s shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


def say(message: str) -> None:
    """Print a message wrapped to :data:`PAGE_WIDTH` characters, never
    splitting a name or a number."""
    keep = {"break_long_words": False, "break_on_hyphens": False}
    print(textwrap.fill(message, PAGE_WIDTH, subsequent_indent="  ", **keep))
