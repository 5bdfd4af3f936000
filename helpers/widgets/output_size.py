"""The output-size explorer of chapter 2: how many windows a convolution fits,
and where each one lands, in the browser (``output_size.js``), after CNN
Explainer's hyper-parameter view."""

from __future__ import annotations

import traitlets

from . import Explorer, check_choice, check_int, front_end


class OutputSizeExplorer(Explorer):
    """Sliders for input size, kernel, stride, padding and dilation, 1D or 2D
    (square); the front end computes the output size by the formula, draws
    where the windows land and shows PyTorch's refusals (chapter 2)."""

    title = "Output-size explorer"
    about = ("move the input size, kernel size, stride, padding (a number, "
             "'valid', 'same' or 'full') and dilation of a 1D or 2D "
             "convolution, and see the output size by the formula, where each "
             "window lands on the padded input, which values no window reads, "
             "and PyTorch's error for the settings it refuses.")
    _esm = front_end("output_size")
    #: ``'1D'`` or ``'2D'`` (a square input), then the controls' values
    dims = traitlets.Unicode("1D").tag(sync=True)
    size = traitlets.Int(8).tag(sync=True)
    kernel_size = traitlets.Int(3).tag(sync=True)
    stride = traitlets.Int(3).tag(sync=True)
    # 'number' (then ``padding`` counts the zeros), 'valid', 'same' or 'full'
    padding_mode = traitlets.Unicode("number").tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    dilation = traitlets.Int(1).tag(sync=True)

    def __init__(self, size: int = 8, kernel_size: int = 3, stride: int = 3,
                 padding: int | str = 0, dilation: int = 1, dims: str = "1D"):
        check_choice("dims", dims, ("1D", "2D"))
        word = isinstance(padding, str)
        if word:
            check_choice("padding", padding, ("valid", "same", "full"))
        super().__init__(
            dims=dims,
            size=check_int("size", size, 1, 16),
            kernel_size=check_int("kernel_size", kernel_size, 1, 7),
            stride=check_int("stride", stride, 1, 4),
            padding_mode=padding if word else "number",
            padding=0 if word else check_int("padding", padding, 0, 4),
            dilation=check_int("dilation", dilation, 1, 3))


def output_size_explorer(size: int = 8, kernel_size: int = 3, stride: int = 3,
                         padding: int | str = 0, dilation: int = 1,
                         dims: str = "1D") -> OutputSizeExplorer:
    """The output-size explorer, starting from the given settings
    (chapter 2)."""
    return OutputSizeExplorer(size, kernel_size, stride, padding, dilation,
                              dims)
