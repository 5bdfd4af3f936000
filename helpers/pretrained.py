"""Pretrained models with an honest fallback, and the input size for quick runs (chapter 6).

``load_pretrained(models.vgg16, VGG16_Weights.IMAGENET1K_V1)`` is ``models.vgg16(weights=...)`` that does
not fail without a network: if the weights cannot be had it builds the same architecture with untrained
(random) weights and prints a message that says so. This module never writes a file itself. torchvision's
download (``torch.hub.download_url_to_file``) writes to ``<name>.<random>.partial`` next to the cache
file, checks the SHA-256 prefix that the file name carries, and only then renames it to the cache name;
on any failure or interruption it deletes the partial file. So an interrupted download leaves nothing
behind, and nothing that is not those weights is ever placed under the cache name.
"""

from __future__ import annotations

import contextlib
import io
import socket
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import torch
from torch import nn
from torchvision import models
from torchvision.models import WeightsEnum

from .config import is_quick, say
from .data import offline

DOWNLOAD_TIMEOUT_S = 30  # per network operation, so that a silent network fails instead of hanging


def image_size(full: int = 224, quick: int = 112) -> int:
    """The side of the square input images: ``full`` normally, ``quick`` in quick mode (chapter 6).

    VGG16's ImageNet weights expect 224x224 crops; quick mode (``CNN_BOOK_QUICK=1``) may use smaller
    images so that the tests run fast. The network accepts both: its ``avgpool`` always yields 7x7.
    """
    if full < 1 or quick < 1:
        raise ValueError(f"image sizes must be positive, got full={full}, quick={quick}")
    return quick if is_quick() else full


def weights_path(weights: WeightsEnum) -> Path:
    """Where torchvision keeps ``weights`` once downloaded: ``<torch hub dir>/checkpoints/<file name>``."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(weights.url).path).name


def _reason(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text[:120]}" if text else type(err).__name__


def load_pretrained(builder: Callable[..., nn.Module], weights: WeightsEnum, *,
                    progress: bool = True) -> tuple[nn.Module, bool]:
    """``builder(weights=weights)``, or ``builder(weights=None)`` when the weights cannot be had (chapter 6).

    ``builder`` is a torchvision model function such as ``models.vgg16`` and ``weights`` one of its weights
    enums. The weights come from torchvision's cache or its download; with ``CNN_BOOK_OFFLINE=1`` no
    download is tried. Prints a message saying which weights the model has. Returns ``(model, pretrained)``,
    where ``pretrained`` is False for the untrained fallback.
    """
    name = type(weights).__name__.removesuffix("_Weights")  # VGG16_Weights -> VGG16
    cached = weights_path(weights)
    if cached.is_file() or not offline():
        old_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
        try:
            # torch.hub prints the cache path on stdout when it downloads: keep machine paths off the page
            with contextlib.redirect_stdout(io.StringIO()):
                model = builder(weights=weights, progress=progress)
        except Exception as err:  # noqa: BLE001 - no network, a refused download, an unreadable cache file
            reason = (f"the cached file {cached.name} could not be read ({_reason(err)})" if cached.is_file()
                      else f"they could not be downloaded ({_reason(err)})")
        else:
            top1 = weights.meta.get("_metrics", {}).get("ImageNet-1K", {}).get("acc@1")
            score = f", {top1:.1f}% top-1 accuracy on ImageNet" if top1 is not None else ""
            say(f"{name}: pretrained weights {weights!r}{score}")
            return model, True
        finally:
            socket.setdefaulttimeout(old_timeout)
    else:
        reason = "downloads are switched off (CNN_BOOK_OFFLINE=1)"
    say(f"{name}: UNTRAINED - the weights {weights!r} are not available: {reason}. This is the same "
        "architecture with random weights, so results with it say nothing about transfer learning.")
    return builder(weights=None), False


def load_vgg16(weights: WeightsEnum = models.VGG16_Weights.IMAGENET1K_V1, *,
               progress: bool = True) -> tuple[nn.Module, bool]:
    """VGG16 with its ImageNet weights, or untrained when they cannot be had (chapter 6).

    The same as ``load_pretrained(models.vgg16, weights)``: returns ``(model, pretrained)``.
    """
    return load_pretrained(models.vgg16, weights, progress=progress)
