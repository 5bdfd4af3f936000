"""The explorers of chapters 1-3: ``anywidget`` widgets whose ``.js`` front
ends, next to this file, compute and draw in the browser, also on the website
with no kernel. Python holds where the controls start, and a text for pages
without JavaScript and for the search index.
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

#: The kernel explorer's presets (chapter 1), row by row, as applied.
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}


def _check(name: str, value, options):
    """``value`` if its control can show it, else a ``ValueError``."""
    if type(value) is not type(options[0]) or value not in options:
        raise ValueError(f"{name}={value!r}, not one of {list(options)}")
    return value


class Explorer(anywidget.AnyWidget):
    """The live explorer ``front_end`` (its ``.js`` file) where widgets
    render, else ``title`` and ``about``; ``state``: where it starts."""

    def __init__(self, front_end: str, title: str, about: str, **state):
        self.title, self.about = title, about
        here = Path(__file__).parent
        js = [here / f"{name}.js" for name in ("common", front_end)]
        esm = "\n".join(path.read_text(encoding="utf-8") for path in js)
        # the key names the explorer's text on a page, so that the website's
        # loader finds its widget state: the same on every run
        text = json.dumps([front_end, state], sort_keys=True).encode()
        key = f"{front_end}-{hashlib.sha1(text).hexdigest()[:12]}"
        super().__init__(_esm=esm)
        state["key"] = key
        sync = {k: traitlets.Any(v).tag(sync=True) for k, v in state.items()}
        self.add_traits(**sync)

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
            """ipywidgets 7 (Colab's) would leave out the text."""
            data, metadata = self._repr_mimebundle_()
            display(data, metadata=metadata, raw=True)
            self._handle_displayed(**kwargs)


def kernel_explorer(image, kernel="Sobel x") -> Explorer:
    """A 3x3 ``kernel`` (a name of :data:`KERNELS` or nine numbers) on a
    grayscale ``image [H, W]`` in [0, 1], shrunk to 160 pixels at most and
    rounded to 8 bits, as ``nn.Conv2d`` computes it (chapter 1)."""
    if isinstance(kernel, str):
        kernel = KERNELS[_check("kernel", kernel, tuple(KERNELS))]
    numbers = torch.tensor(kernel, dtype=torch.float32)
    x = torch.as_tensor(image, dtype=torch.float32)
    if numbers.shape != (3, 3) or x.dim() != 2 or min(x.shape) < 3:
        raise ValueError("expected a 3x3 kernel and a grayscale image [H, W]")
    factor = -(-max(x.shape) // 160)  # ceil
    x = F.avg_pool2d(x[None, None], factor)[0, 0] if factor > 1 else x
    pixels = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    about = "pick a preset kernel or type nine numbers, and see the kernel "
    about += "applied to a photograph."
    as_float32 = {
        k: torch.tensor(v, dtype=torch.float32) for k, v in KERNELS.items()
    }
    presets = {k: v.flatten().tolist() for k, v in as_float32.items()}
    return Explorer(
        "kernels",
        "3x3 kernels on a photograph",
        about,
        kernel=numbers.flatten().tolist(),  # row by row
        preset=next((k for k, v in KERNELS.items() if v == kernel), "custom"),
        presets=presets,
        height=x.shape[0],
        width=x.shape[1],
        pixels=base64.b64encode(pixels.numpy().tobytes()).decode("ascii"),
    )


def output_size_explorer(
    size=8, kernel_size=3, stride=3, padding=0, dilation=1, dims="1D"
) -> Explorer:
    """A convolution's output size, its windows and PyTorch's refusals, for
    settings a reader moves, 1D or 2D (chapter 2)."""
    words = ("valid", "same", "full")
    word = isinstance(padding, str) and _check("padding", padding, words)
    about = "move the settings of a 1D or 2D convolution, and see its output "
    about += "size, where each window lands and PyTorch's refusals."
    return Explorer(
        "output_size",
        "Output-size explorer",
        about,
        dims=_check("dims", dims, ("1D", "2D")),
        size=_check("size", size, range(1, 17)),
        kernel_size=_check("kernel_size", kernel_size, range(1, 8)),
        stride=_check("stride", stride, range(1, 5)),
        padding_mode=word or "number",  # 'number': padding counts the zeros
        padding=0 if word else _check("padding", padding, range(0, 5)),
        dilation=_check("dilation", dilation, range(1, 4)),
    )


def pooling_explorer(
    feature_map,
    kernel_size=2,
    stride=2,
    padding=0,
    mode="max",
    ceil_mode=False,
) -> Explorer:
    """Max or average pooling of one ``feature_map [H, W]``, its float32
    values as PyTorch pools them, for settings a reader moves (chapter 3)."""
    fmap = torch.as_tensor(feature_map).detach().cpu().float()
    if fmap.dim() == 3 and len(fmap) == 1:
        fmap = fmap[0]
    if fmap.dim() != 2:
        raise ValueError(f"expected one feature map [H, W], got {fmap.shape}")
    sizes = range(1, min(max(fmap.shape), 8) + 1)
    values = fmap.numpy().astype("<f4").tobytes()
    about = "move the settings of max or average pooling, and see its windows "
    about += "on a feature map, the pooled output or PyTorch's refusal."
    return Explorer(
        "pooling",
        "Pooling explorer",
        about,
        kernel_size=_check("kernel_size", kernel_size, sizes),
        stride=_check("stride", stride, sizes),
        padding=_check("padding", padding, range(0, 5)),
        mode=_check("mode", mode, ("max", "avg")),
        ceil_mode=_check("ceil_mode", ceil_mode, (False, True)),
        height=fmap.shape[0],
        width=fmap.shape[1],
        largest=sizes[-1],  # the sliders' maximum
        values=base64.b64encode(values).decode("ascii"),
    )
