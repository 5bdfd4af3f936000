"""The pooling explorer of chapter 3: kernel, stride, padding, ``ceil_mode``
and max / average pooling on a feature map, in the browser (``pooling.js``)."""

from __future__ import annotations

import base64

import torch
import traitlets

from . import Explorer, check_choice, check_int, front_end


class PoolingExplorer(Explorer):
    """Sliders for kernel size, stride and padding, a max / avg switch and a
    ``ceil_mode`` box over one feature map; the front end pools it as
    ``nn.MaxPool2d`` / ``nn.AvgPool2d`` do and draws the windows (chapter 3).
    The map travels as float32 numbers (``values``, base64), so that the
    browser pools exactly the numbers PyTorch pools."""

    title = "Pooling explorer"
    about = ("move the kernel size, stride and padding, switch between max "
             "and average pooling and ceil_mode, and see the pooling windows "
             "on a feature map next to the pooled output, or PyTorch's "
             "refusal.")
    _esm = front_end("pooling")
    kernel_size = traitlets.Int(2).tag(sync=True)
    stride = traitlets.Int(2).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    mode = traitlets.Unicode("max").tag(sync=True)
    ceil_mode = traitlets.Bool(False).tag(sync=True)
    #: the feature map's size, and the sliders' maximum
    height = traitlets.Int().tag(sync=True)
    width = traitlets.Int().tag(sync=True)
    largest = traitlets.Int(8).tag(sync=True)
    #: the feature map's float32 values, row by row, base64
    values = traitlets.Unicode().tag(sync=True)

    def __init__(self, feature_map, kernel_size: int = 2, stride: int = 2,
                 padding: int = 0, mode: str = "max",
                 ceil_mode: bool = False):
        fmap = torch.as_tensor(feature_map).detach().cpu().float()
        if fmap.dim() == 3 and fmap.shape[0] == 1:
            fmap = fmap[0]
        if fmap.dim() != 2:
            raise ValueError("expected one feature map shaped [H, W] (or "
                             f"[1, H, W]), got {list(fmap.shape)}")
        largest = min(max(fmap.shape), 8)
        check_choice("mode", mode, ("max", "avg"))
        check_choice("ceil_mode", ceil_mode, (False, True))
        super().__init__(
            kernel_size=check_int("kernel_size", kernel_size, 1, largest),
            stride=check_int("stride", stride, 1, largest),
            padding=check_int("padding", padding, 0, 4),
            mode=mode, ceil_mode=ceil_mode,
            height=fmap.shape[0], width=fmap.shape[1], largest=largest,
            values=base64.b64encode(fmap.numpy().astype("<f4").tobytes())
            .decode("ascii"))


def pooling_explorer(feature_map, kernel_size: int = 2, stride: int = 2,
                     padding: int = 0, mode: str = "max",
                     ceil_mode: bool = False) -> PoolingExplorer:
    """The pooling explorer for one feature map ``[H, W]``, starting from
    the given settings (chapter 3)."""
    return PoolingExplorer(feature_map, kernel_size, stride, padding, mode,
                           ceil_mode)
