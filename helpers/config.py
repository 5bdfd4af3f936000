"""Run-wide settings: quick mode, offline mode, the data folder, the device,
seeding and the helpers' printed messages (introduced in chapter 1)."""

from __future__ import annotations

import os
import random
import textwrap
from pathlib import Path

import numpy as np
import torch

QUICK_ENV = "CNN_BOOK_QUICK"
OFFLINE_ENV = "CNN_BOOK_OFFLINE"
DATA_ENV = "CNN_BOOK_DATA"

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def env_flag(name: str) -> bool:
    """The yes/no setting in the environment variable ``name``: 1, true, yes
    or on; 0, false, no, off or unset/empty (any case). Anything else is a
    ``ValueError`` that names the variable, rather than a silent 'no'."""
    value = os.environ.get(name, "")
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is neither yes nor no: set it to 1 "
                     "(or true, yes, on) or 0 (or false, no, off, empty)")


def is_quick() -> bool:
    """True when ``CNN_BOOK_QUICK=1`` (chapter 1).

    Quick mode is what the test suite uses: datasets and epochs shrink
    inside ``helpers`` so that every notebook re-runs in seconds; the
    notebook code reads the same in both modes.
    """
    return env_flag(QUICK_ENV)


def offline() -> bool:
    """True when ``CNN_BOOK_OFFLINE=1``: downloads are not even attempted."""
    return env_flag(OFFLINE_ENV)


def epochs(full: int, quick: int = 1) -> int:
    """The number of epochs to train for: ``full`` normally,
    ``min(full, quick)`` in quick mode (never more than ``full``)."""
    if full < 1 or quick < 1:
        raise ValueError(f"epochs must be at least 1, got {full} "
                         f"(quick: {quick})")
    return min(full, quick) if is_quick() else full


def _repo_root() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    return here if (here / "_config.yml").exists() else None


def data_dir() -> Path:
    """Where datasets are kept: ``$CNN_BOOK_DATA``, else ``data/`` at the root
    of the book's repository (git-ignored), else ``./data`` (e.g. on Colab,
    where helpers is installed as a package). A ``CNN_BOOK_DATA`` that is a
    file or has spaces around it is a ``ValueError`` that names it."""
    env = os.environ.get(DATA_ENV)
    if env:
        if env != env.strip():
            raise ValueError(f"{DATA_ENV}={env!r} has spaces at its start or "
                             "end: remove them")
        path = Path(env).expanduser()
        if path.exists() and not path.is_dir():
            raise ValueError(f"{DATA_ENV}={env!r} is a file, not a folder: "
                             "set it to a folder for the datasets")
        return path
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
    """Seed Python, NumPy and PyTorch (all devices) and return a
    ``torch.Generator`` seeded the same way, handy for a ``DataLoader``'s
    shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


#: Characters of a printed line that the book's pages show without scrolling.
PAGE_WIDTH = 79


def say(message: str) -> None:
    """Print a message of the helpers, wrapped to :data:`PAGE_WIDTH`
    characters per line.

    Continuation lines are indented by two spaces; names and numbers are
    never split.
    """
    print(textwrap.fill(message, width=PAGE_WIDTH, subsequent_indent="  ",
                        break_long_words=False, break_on_hyphens=False))


def failure(err: BaseException) -> str:
    """Why a download failed, for a reader: ``"no network"`` when no server
    could be reached, else what went wrong in one line.

    >>> from urllib.error import URLError
    >>> failure(URLError("[Errno -2] Name or service not known"))
    'no network'
    >>> failure(ValueError("checksum mismatch\\nmore"))
    'ValueError: checksum mismatch'
    """
    from urllib.error import HTTPError, URLError

    if isinstance(err, URLError) and not isinstance(err, HTTPError):
        return "no network"
    if isinstance(err, (ConnectionError, TimeoutError)):
        return f"the connection broke off: {type(err).__name__}"
    text = (str(err).splitlines() or [""])[0][:120]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
