"""Pretrained models with an honest fallback, and the input size for quick
runs (chapter 6).

``load_pretrained(models.vgg16, VGG16_Weights.IMAGENET1K_V1)`` is
``models.vgg16(weights=...)`` that does not fail without a network: if the
weights cannot be had it builds the same architecture with untrained (random)
weights and prints a message that says so. Weights that belong to another
architecture are refused with a clear error, before anything is downloaded.

This module never writes a file itself. torchvision's download
(``torch.hub.download_url_to_file``) writes to ``<name>.<random>.partial``
next to the cache file, checks the SHA-256 prefix that the file name carries,
and only then renames it to the cache name; on any failure or interruption it
deletes the partial file. So an interrupted download leaves nothing behind,
and nothing that is not those weights is ever placed under the cache name.
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

from .config import failure, is_quick, say
from .data import offline

# per network operation, so that a silent network fails instead of hanging
DOWNLOAD_TIMEOUT_S = 30


def image_size(full: int = 224, quick: int = 112) -> int:
    """The side of the square input images: ``full`` normally, ``quick`` in
    quick mode (chapter 6).

    VGG16's ImageNet weights expect 224x224 crops; quick mode
    (``CNN_BOOK_QUICK=1``) may use smaller images so that the tests run fast.
    The network accepts both: its ``avgpool`` always yields 7x7.
    """
    if full < 1 or quick < 1:
        raise ValueError("image sizes must be positive, "
                         f"got full={full}, quick={quick}")
    return quick if is_quick() else full


def weights_path(weights: WeightsEnum) -> Path:
    """Where torchvision keeps ``weights`` once downloaded:
    ``<torch hub dir>/checkpoints/<file name>``."""
    name = Path(urlparse(weights.url).path).name
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def matching_weights(builder: Callable[..., nn.Module], weights):
    """``weights`` as a member of the weights enum of ``builder``, or a
    ``TypeError``/``ValueError`` that says what is wrong and what to pass
    instead (chapter 6).

    ``weights`` may be an enum member (``VGG16_Weights.IMAGENET1K_V1``) or
    its name (``"IMAGENET1K_V1"``).
    """
    builder_name = getattr(builder, "__name__", repr(builder))
    if getattr(models, builder_name, None) is builder:
        builder_name = f"models.{builder_name}"
    try:
        enum = models.get_model_weights(builder)
    except (KeyError, ValueError, AttributeError) as err:
        raise TypeError(
            f"{builder_name} is not a torchvision model function with "
            "pretrained weights; pass one such as models.vgg16") from err
    choices = ", ".join(f"{enum.__name__}.{w.name}" for w in enum)
    if isinstance(weights, str):
        name = weights.removeprefix(enum.__name__ + ".")
        if name not in enum.__members__:
            raise ValueError(
                f"{builder_name} has no weights named {weights!r}; "
                f"its weights are: {choices}")
        return enum[name]
    if not isinstance(weights, WeightsEnum):
        raise TypeError(f"weights must be one of {choices}, "
                        f"not {type(weights).__name__} {weights!r}")
    if not isinstance(weights, enum):
        owners = [f"models.{n}" for n in models.list_models()
                  if models.get_model_weights(n) is type(weights)]
        owner = " or ".join(owners) or "another model function"
        raise TypeError(
            f"{weights!r} are weights for {owner}, not for {builder_name}, "
            f"whose weights are {choices}. Pass one of those, or build the "
            f"model with {owner}.")
    return weights


def load_pretrained(builder: Callable[..., nn.Module], weights: WeightsEnum,
                    *, progress: bool = True) -> tuple[nn.Module, bool]:
    """``builder(weights=weights)``, or ``builder(weights=None)`` when the
    weights cannot be had (chapter 6).

    ``builder`` is a torchvision model function such as ``models.vgg16`` and
    ``weights`` one of its weights enums (another architecture's weights
    raise a ``TypeError``, see :func:`matching_weights`). The weights come
    from torchvision's cache or its download; with ``CNN_BOOK_OFFLINE=1`` no
    download is tried. Prints a message saying which weights the model has.
    Returns ``(model, pretrained)``, where ``pretrained`` is False for the
    untrained fallback.
    """
    weights = matching_weights(builder, weights)
    # VGG16_Weights -> VGG16
    name = type(weights).__name__.removesuffix("_Weights")
    cached = weights_path(weights)
    if cached.is_file() or not offline():
        old_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
        try:
            # torch.hub prints the cache path on stdout when it downloads:
            # keep machine paths off the page
            with contextlib.redirect_stdout(io.StringIO()):
                model = builder(weights=weights, progress=progress)
        # no network, a refused download, an unreadable cache file
        except Exception as err:  # noqa: BLE001
            reason = (f"the cached file {cached.name} could not be read "
                      f"({failure(err)})" if cached.is_file()
                      else f"they could not be downloaded ({failure(err)})")
        else:
            metrics = weights.meta.get("_metrics", {}).get("ImageNet-1K", {})
            top1 = metrics.get("acc@1")
            score = (f", {top1:.1f}% top-1 accuracy on ImageNet"
                     if top1 is not None else "")
            say(f"{name}: pretrained weights {weights!r}{score}")
            return model, True
        finally:
            socket.setdefaulttimeout(old_timeout)
    else:
        reason = "downloads are switched off (CNN_BOOK_OFFLINE=1)"
    say(f"{name}: UNTRAINED - the weights {weights!r} are not available: "
        f"{reason}. This is the same architecture with random weights, so "
        "results with it say nothing about transfer learning.")
    return builder(weights=None), False


def load_vgg16(weights: WeightsEnum = models.VGG16_Weights.IMAGENET1K_V1, *,
               progress: bool = True) -> tuple[nn.Module, bool]:
    """VGG16 with its ImageNet weights, or untrained when they cannot be had
    (chapter 6).

    The same as ``load_pretrained(models.vgg16, weights)``: returns
    ``(model, pretrained)``.
    """
    return load_pretrained(models.vgg16, weights, progress=progress)
