"""helpers.pretrained: the untrained fallback, its message, that no file is
left in torch hub's cache, and clear errors for weights that do not fit.

Offline and fast: the network is replaced by fakes, TORCH_HOME points at a
temporary folder, and most tests use a small model (MobileNet V3 small)
through the same code path as VGG16.
"""

import urllib.error

import pytest
import torch
import torch.hub
from torchvision import models

from helpers import pretrained
from helpers.config import PAGE_WIDTH
from helpers.pretrained import (
    image_size,
    load_pretrained,
    load_vgg16,
    weights_path,
)

SMALL = models.MobileNet_V3_Small_Weights.IMAGENET1K_V1


@pytest.fixture(autouse=True)
def hub_in_tmp(tmp_path, monkeypatch):
    """A private torch hub folder; downloads allowed unless a test says
    otherwise."""
    home = tmp_path / "torch_home"
    monkeypatch.setenv("TORCH_HOME", str(home))
    monkeypatch.delenv("CNN_BOOK_OFFLINE", raising=False)
    return home


def files_under(folder):
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file()
    )


class FakeResponse:
    """Stands in for ``urlopen(...)``: yields ``chunks`` then, if ``fail``
    is given, raises it."""

    def __init__(self, chunks, fail=None, length=None):
        self.chunks, self.fail = list(chunks), fail
        self.length = (
            length if length is not None else sum(len(c) for c in self.chunks)
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def info(self):
        return _Headers(self.length)

    def read(self, n=-1):
        if self.chunks:
            return self.chunks.pop(0)
        if self.fail is not None:
            raise self.fail
        return b""


class _Headers:
    def __init__(self, length):
        self.length = length

    def get_all(self, key):
        return [str(self.length)] if key == "Content-Length" else None


def fake_urlopen(response_or_error):
    def urlopen(request, *args, **kwargs):
        if isinstance(response_or_error, BaseException):
            raise response_or_error
        return response_or_error

    return urlopen


def forbid_downloads(monkeypatch):
    """Any download attempt fails the test."""
    monkeypatch.setattr(
        torch.hub,
        "urlopen",
        fake_urlopen(AssertionError("no download may be tried")),
    )


def test_weights_path_follows_torch_home(hub_in_tmp):
    assert (
        weights_path(SMALL)
        == hub_in_tmp
        / "hub"
        / "checkpoints"
        / "mobilenet_v3_small-047dcff4.pth"
    )
    assert (
        weights_path(models.VGG16_Weights.IMAGENET1K_V1).name
        == "vgg16-397923af.pth"
    )


def test_image_size_full_and_quick(monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    assert image_size(224, 112) == 224
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    assert image_size(224, 112) == 112
    with pytest.raises(ValueError):
        image_size(0)


def test_failed_download_falls_back_with_a_wrapped_message(
    hub_in_tmp, monkeypatch, capsys
):
    monkeypatch.setattr(
        torch.hub, "urlopen", fake_urlopen(urllib.error.URLError("no network"))
    )
    model, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    out = capsys.readouterr().out
    assert not is_pretrained
    assert isinstance(model, models.MobileNetV3)
    flat = " ".join(out.split())  # the message, unwrapped
    assert flat.startswith("MobileNet_V3_Small: UNTRAINED")
    assert (
        "could not be downloaded (no network)" in flat
        and "random weights" in flat
    )
    assert all(
        len(line) <= PAGE_WIDTH for line in out.splitlines()
    )  # fits a book page
    assert (
        str(hub_in_tmp) not in out and "Downloading" not in out
    )  # no machine path on the page
    assert files_under(hub_in_tmp) == []


def test_interrupted_download_leaves_nothing(hub_in_tmp, monkeypatch, printed):
    response = FakeResponse(
        [b"\0" * 1000, b"\1" * 1000],
        fail=ConnectionResetError("reset"),
        length=10**6,
    )
    monkeypatch.setattr(torch.hub, "urlopen", fake_urlopen(response))
    _, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert not is_pretrained
    assert "ConnectionResetError" in printed()
    assert (
        files_under(hub_in_tmp) == []
    )  # neither the cache file nor a .partial file


def test_keyboard_interrupt_propagates_and_leaves_nothing(
    hub_in_tmp, monkeypatch
):
    response = FakeResponse(
        [b"\0" * 1000], fail=KeyboardInterrupt(), length=10**6
    )
    monkeypatch.setattr(torch.hub, "urlopen", fake_urlopen(response))
    with pytest.raises(KeyboardInterrupt):
        load_pretrained(models.mobilenet_v3_small, SMALL, progress=False)
    assert files_under(hub_in_tmp) == []


def test_wrong_bytes_are_never_placed_under_the_cache_name(
    hub_in_tmp, monkeypatch, printed
):
    """A complete download whose SHA-256 does not match the prefix in the
    file name is thrown away."""
    monkeypatch.setattr(
        torch.hub, "urlopen", fake_urlopen(FakeResponse([b"not the weights"]))
    )
    _, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert not is_pretrained
    assert "invalid hash value" in printed()
    assert files_under(hub_in_tmp) == []


def test_offline_switch_skips_the_download(hub_in_tmp, monkeypatch, printed):
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    forbid_downloads(monkeypatch)
    _, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert not is_pretrained
    assert "CNN_BOOK_OFFLINE=1" in printed()
    assert files_under(hub_in_tmp) == []


def test_cached_weights_are_used_without_a_download(
    hub_in_tmp, monkeypatch, printed
):
    torch.manual_seed(0)
    reference = models.mobilenet_v3_small()
    cached = weights_path(SMALL)
    cached.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), cached)
    monkeypatch.setenv(
        "CNN_BOOK_OFFLINE", "1"
    )  # the cache is read even offline
    forbid_downloads(monkeypatch)
    model, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert is_pretrained
    assert printed().startswith(
        "MobileNet_V3_Small: pretrained weights "
        "MobileNet_V3_Small_Weights.IMAGENET1K_V1"
    )
    first = next(iter(reference.state_dict()))
    assert torch.equal(
        model.state_dict()[first], reference.state_dict()[first]
    )


def test_unreadable_cache_file_falls_back_and_is_left_alone(
    hub_in_tmp, monkeypatch, printed
):
    cached = weights_path(SMALL)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"garbage")
    forbid_downloads(monkeypatch)
    _, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, SMALL, progress=False
    )
    assert not is_pretrained
    assert "could not be read" in printed()
    assert (
        cached.read_bytes() == b"garbage"
    )  # not ours to delete: the message names it


def test_vgg16_fallback_is_the_vgg16_architecture(
    hub_in_tmp, monkeypatch, printed
):
    monkeypatch.setattr(
        torch.hub, "urlopen", fake_urlopen(urllib.error.URLError("no network"))
    )
    model, is_pretrained = load_vgg16(progress=False)
    assert not is_pretrained
    assert printed().startswith(
        "VGG16: UNTRAINED - the weights VGG16_Weights.IMAGENET1K_V1 "
        "are not available"
    )
    assert [
        m.in_features
        for m in model.classifier
        if isinstance(m, torch.nn.Linear)
    ] == [25088, 4096, 4096]
    assert model.classifier[-1].out_features == 1000
    assert sum(p.numel() for p in model.parameters()) == 138_357_544
    assert files_under(hub_in_tmp) == []


def test_socket_timeout_is_restored(monkeypatch):
    import socket

    before = socket.getdefaulttimeout()
    monkeypatch.setattr(
        torch.hub, "urlopen", fake_urlopen(urllib.error.URLError("no network"))
    )
    load_pretrained(models.mobilenet_v3_small, SMALL, progress=False)
    assert socket.getdefaulttimeout() == before
    assert pretrained.DOWNLOAD_TIMEOUT_S > 0


def test_weights_of_another_architecture_get_a_clear_error(monkeypatch):
    """Bad input gets a clear error, before any download is tried."""
    monkeypatch.setattr(
        torch.hub, "urlopen", fake_urlopen(AssertionError("no download"))
    )
    with pytest.raises(TypeError) as err:
        load_pretrained(models.vgg16, models.ResNet18_Weights.IMAGENET1K_V1)
    message = str(err.value)
    assert (
        "ResNet18_Weights.IMAGENET1K_V1 are weights for models.resnet18"
        in message
    )
    assert "not for models.vgg16" in message
    assert "VGG16_Weights.IMAGENET1K_V1" in message  # what to pass instead


def test_weights_given_by_name_or_of_a_wrong_kind(monkeypatch, printed):
    monkeypatch.setenv("CNN_BOOK_OFFLINE", "1")
    _, is_pretrained = load_pretrained(
        models.mobilenet_v3_small, "IMAGENET1K_V1", progress=False
    )
    assert not is_pretrained
    assert "MobileNet_V3_Small_Weights.IMAGENET1K_V1" in printed()
    with pytest.raises(ValueError, match="has no weights named 'IMAGENET9K'"):
        load_pretrained(models.mobilenet_v3_small, "IMAGENET9K")
    with pytest.raises(TypeError, match="weights must be one of"):
        load_pretrained(models.vgg16, True)
    with pytest.raises(TypeError, match="not a torchvision model function"):
        load_pretrained(len, SMALL)
