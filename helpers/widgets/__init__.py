"""The interactive explorers of chapters 1-3, live in Jupyter, on Colab and on
the book's website.

An explorer is an ``anywidget`` widget: its controls are traitlets, and its
front end, ``common.js`` followed by the explorer's own ``.js`` file next to
this one, computes and draws everything in the browser, so that the website
runs it with no Python kernel (its loader, ``site_js/explorers.js``, starts
the module stored in the page). The Python side holds the state an explorer
starts from, refusing a start its controls cannot show, and a fixed text
saying what it shows, for pages where no JavaScript runs and for the search
index.
"""

import base64
import hashlib
import html
import json
from pathlib import Path

import anywidget
import torch
import torch.nn.functional as F
import traitlets
from IPython.display import display

#: The kernel explorer's presets (chapter 1), written the way they are
#: applied: row by row, not flipped.
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}


def _check(name: str, value, options):
    """``value`` if its control can show it (``options``: a range of ints or
    a tuple of choices), else a ``ValueError`` naming ``name``."""
    if type(value) is not type(options[0]) or value not in options:
        shown = f"{options[0]} to {options[-1]}"
        if not isinstance(options, range):
            shown = "one of " + ", ".join(map(repr, options))
        raise ValueError(f"{name}={value!r}: the explorer shows {shown}")
    return value


def _sync(trait):
    return trait.tag(sync=True)


class Explorer(anywidget.AnyWidget):
    """What the explorers share: the live widget where widgets render, and a
    text where they do not. A subclass sets ``title``, ``about`` and
    ``front_end`` (its ``.js`` file's name) and is given its start state."""

    title = about = front_end = ""
    #: Names the explorer's text on a page, so that the website's loader
    #: finds its widget state: the same on every run of the notebook.
    key = _sync(traitlets.Unicode())

    def __init__(self, **state):
        here = Path(__file__).parent
        js = [here / f"{name}.js" for name in ("common", self.front_end)]
        esm = "\n".join(path.read_text(encoding="utf-8") for path in js)
        text = json.dumps([type(self).__name__, state], sort_keys=True)
        digest = hashlib.sha1(text.encode()).hexdigest()[:12]
        key = f"{type(self).__name__.lower()}-{digest}"
        super().__init__(_esm=esm, key=key, **state)

    def _repr_mimebundle_(self, **kwargs):
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/html"] = (
            f'<div class="cnn-explorer" data-explorer-key="{self.key}"><p>'
            f"<strong>{html.escape(self.title)}</strong>: "
            f"{html.escape(self.about)} Its controls appear where the cell "
            "runs (in Jupyter or on Colab) and on the book's website with "
            "JavaScript on.</p></div>"
        )
        data["text/plain"] = f"[{self.title}: interactive explorer]"
        return data, metadata

    if hasattr(anywidget.AnyWidget, "_ipython_display_"):  # ipywidgets 7

        def _ipython_display_(self, **kwargs):
            """ipywidgets 7 (Colab's) shows a widget through this hook, which
            would leave out the text: show the whole bundle."""
            data, metadata = self._repr_mimebundle_()
            display(data, metadata=metadata, raw=True)
            self._handle_displayed(**kwargs)


class KernelExplorer(Explorer):
    """A preset menu and a 3x3 grid of editable numbers; the front end
    cross-correlates the photo with the kernel, as ``nn.Conv2d`` does."""

    title, front_end = "3x3 kernels on a photograph", "kernels"
    about = (
        "pick one of the preset kernels (identity, box blur, sharpen, Sobel "
        "x and y, Laplacian) or type nine numbers of your own, and see the "
        "kernel applied to a photograph."
    )
    kernel = _sync(traitlets.List(traitlets.Float()))  # row by row
    preset = _sync(traitlets.Unicode())  # a name of KERNELS, or 'custom'
    presets = _sync(traitlets.Dict())  # every preset's nine numbers
    height, width = _sync(traitlets.Int()), _sync(traitlets.Int())
    pixels = _sync(traitlets.Unicode())  # 8-bit pixels, row by row, base64


def explorer_image(image, max_side: int = 160) -> torch.Tensor:
    """``image [H, W]`` (values in [0, 1]) as the kernel explorer holds it:
    shrunk by a whole factor (the mean of each block of pixels) until no side
    is longer than ``max_side``, then rounded to 8 bits, as a photo's pixels
    are. Its pixels travel with the page."""
    x = torch.as_tensor(image, dtype=torch.float32)
    if x.dim() != 2 or min(x.shape) < 3:
        raise ValueError(f"expected a grayscale image [H, W], got {x.shape}")
    factor = -(-max(x.shape) // max_side)  # ceil
    if factor > 1:
        x = F.avg_pool2d(x[None, None], factor)[0, 0]
    return (x.clamp(0, 1) * 255).round() / 255


def kernel_explorer(image, kernel="Sobel x") -> KernelExplorer:
    """The kernel explorer for a grayscale ``image [H, W]`` with values in
    [0, 1] (shrunk by :func:`explorer_image`), starting from ``kernel``, a
    name of :data:`KERNELS` or a 3x3 list (chapter 1)."""
    if isinstance(kernel, str):
        kernel = KERNELS[_check("kernel", kernel, tuple(KERNELS))]
    numbers = torch.tensor(kernel, dtype=torch.float32)
    if numbers.shape != (3, 3):
        raise ValueError(f"expected a 3x3 kernel, got {kernel!r}")
    x = explorer_image(image)
    pixels = (x * 255).round().to(torch.uint8).numpy().tobytes()
    return KernelExplorer(
        kernel=numbers.flatten().tolist(),
        preset=next((k for k, v in KERNELS.items() if v == kernel), "custom"),
        presets={
            k: torch.tensor(v).flatten().tolist() for k, v in KERNELS.items()
        },
        height=x.shape[0],
        width=x.shape[1],
        pixels=base64.b64encode(pixels).decode("ascii"),
    )


class OutputSizeExplorer(Explorer):
    """Sliders for input size, kernel, stride, padding and dilation, 1D or 2D
    (square); the front end computes the output size by the formula, draws
    where the windows land and shows PyTorch's refusals."""

    title, front_end = "Output-size explorer", "output_size"
    about = (
        "move the input size, kernel size, stride, padding (a number, "
        "'valid', 'same' or 'full') and dilation of a 1D or 2D convolution, "
        "and see the output size by the formula, where each window lands on "
        "the padded input, which values no window reads, and PyTorch's error "
        "for the settings it refuses."
    )
    dims = _sync(traitlets.Unicode())  # '1D' or '2D' (a square input)
    size, kernel_size = _sync(traitlets.Int()), _sync(traitlets.Int())
    stride, dilation = _sync(traitlets.Int()), _sync(traitlets.Int())
    # 'number' (then ``padding`` counts the zeros), 'valid', 'same' or 'full'
    padding_mode, padding = _sync(traitlets.Unicode()), _sync(traitlets.Int())


def output_size_explorer(
    size=8, kernel_size=3, stride=3, padding=0, dilation=1, dims="1D"
) -> OutputSizeExplorer:
    """The output-size explorer, starting from the given settings
    (chapter 2)."""
    words = ("valid", "same", "full")
    word = isinstance(padding, str) and _check("padding", padding, words)
    return OutputSizeExplorer(
        dims=_check("dims", dims, ("1D", "2D")),
        size=_check("size", size, range(1, 17)),
        kernel_size=_check("kernel_size", kernel_size, range(1, 8)),
        stride=_check("stride", stride, range(1, 5)),
        padding_mode=word or "number",
        padding=0 if word else _check("padding", padding, range(0, 5)),
        dilation=_check("dilation", dilation, range(1, 4)),
    )


class PoolingExplorer(Explorer):
    """Sliders for kernel size, stride and padding, a max / avg switch and a
    ``ceil_mode`` box over one feature map; the front end pools it as
    ``nn.MaxPool2d`` / ``nn.AvgPool2d`` do and draws the windows."""

    title, front_end = "Pooling explorer", "pooling"
    about = (
        "move the kernel size, stride and padding, switch between max and "
        "average pooling and ceil_mode, and see the pooling windows on a "
        "feature map next to the pooled output, or PyTorch's refusal."
    )
    kernel_size, stride = _sync(traitlets.Int()), _sync(traitlets.Int())
    padding, ceil_mode = _sync(traitlets.Int()), _sync(traitlets.Bool())
    mode = _sync(traitlets.Unicode())  # 'max' or 'avg'
    height, width = _sync(traitlets.Int()), _sync(traitlets.Int())
    largest = _sync(traitlets.Int())  # the sliders' maximum
    values = _sync(traitlets.Unicode())  # the map's float32s, row by row


def pooling_explorer(
    feature_map,
    kernel_size=2,
    stride=2,
    padding=0,
    mode="max",
    ceil_mode=False,
) -> PoolingExplorer:
    """The pooling explorer for one feature map ``[H, W]`` (or ``[1, H,
    W]``), starting from the given settings (chapter 3). The map travels as
    float32 numbers, so that the browser pools exactly what PyTorch pools."""
    fmap = torch.as_tensor(feature_map).detach().cpu().float()
    if fmap.dim() == 3 and len(fmap) == 1:
        fmap = fmap[0]
    if fmap.dim() != 2:
        raise ValueError(f"expected one feature map [H, W], got {fmap.shape}")
    sizes = range(1, min(max(fmap.shape), 8) + 1)
    values = fmap.numpy().astype("<f4").tobytes()
    return PoolingExplorer(
        kernel_size=_check("kernel_size", kernel_size, sizes),
        stride=_check("stride", stride, sizes),
        padding=_check("padding", padding, range(0, 5)),
        mode=_check("mode", mode, ("max", "avg")),
        ceil_mode=_check("ceil_mode", ceil_mode, (False, True)),
        height=fmap.shape[0],
        width=fmap.shape[1],
        largest=sizes[-1],
        values=base64.b64encode(values).decode("ascii"),
    )
