"""The explorers of chapters 1-3, live on the built website, checked against
PyTorch in headless Chromium.

Each explorer's controls are driven through a grid of settings on its page
(``_build/html``, made by ``make book``), and what the page shows, as the
explorer records it in its hidden ``<pre class="cnn-x-record">``, is compared
with what PyTorch computes for the same settings:

- output size: the output size, the input value each tap of each window reads
  (PyTorch: a convolution with one-hot kernels), how many taps read each input
  value (PyTorch: autograd) and, for the settings PyTorch refuses, PyTorch's
  error message, in 1D (``nn.Conv1d``) and 2D (``nn.Conv2d``);
- pooling: the pooled values, the output size, where each window starts and
  ends, the input rows and columns no window reaches, and refusals
  (``F.max_pool2d`` / ``F.avg_pool2d``);
- kernels: the convolved photo up to float32 rounding (``F.conv2d``), its grey
  levels and the picture painted on the canvas.

The grid is walked in nested-loop order, so that one control changes between
two settings, as a reader moving one slider would. Every request that leaves
the site fails the tests; pages are also opened with JavaScript off, where
each explorer's text must show. Screenshots of each
explorer before and after a change made with the mouse or keyboard go to
``screenshots/explorers/``.
"""

from __future__ import annotations

import itertools
import json
import threading
from urllib.parse import urlsplit

import pytest
import torch
import torch.nn.functional as F
from test_site import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    SITE,
    TIMEOUT_MS,
    Server,
    load,
)
from torch import nn


def display_range(kernel: torch.Tensor, result: torch.Tensor):
    """The grey levels the kernel explorer should paint ``result`` in: for a
    kernel that sums to 0 (an edge detector), centred on 0 and reaching white
    and black at the 99th percentile of the response's size (torch.quantile);
    for any other, the photo's [0, 1] brightness scaled by the kernel's
    sum."""
    total = kernel.sum().item()
    if abs(total) < 1e-6:
        limit = max(torch.quantile(result.abs().flatten(), 0.99).item(), 1e-6)
        return -limit, limit
    return (0.0, total) if total > 0 else (total, 0.0)


PAGES = {
    "kernels": "notebooks/01_convolution.html",
    "output_size": "notebooks/02_output_size.html",
    "pooling": "notebooks/03_pooling.html",
}
SHOTS = SCREENSHOTS / "explorers"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# A page's explorer JavaScript (its loader and the explorers' stored state)
# stays small: no widget manager.
MAX_WIDGET_BYTES = 150_000

# In the page: set each setting in turn through the explorer's controls (only
# those that change), and return what the explorer records after each.
DRIVE_JS = r"""async ([settings, controls]) => {
  const box = document.querySelector(".cnn-explorer-live .cnn-x");
  const record = box.querySelector(".cnn-x-record");
  const results = [];
  for (const setting of settings) {
    for (const [name, value] of Object.entries(setting)) {
      const input = box.querySelector(`[name="${controls[name] || name}"]`);
      if (input.type === "checkbox") {
        if (input.checked !== value) { input.checked = value;
          input.dispatchEvent(new Event("change")); }
      } else if (input.value !== String(value)) {
        input.value = String(value);
        input.dispatchEvent(new Event(input.tagName === "SELECT" ? "change"
                                                               : "input"));
      }
    }
    results.push(JSON.parse(record.textContent));
  }
  return results;
}"""


def same_site(url: str, base: str) -> bool:
    """A request the site answers itself: its own pages, or a blob: URL the
    page made (the loader imports each explorer's stored module from one)."""
    return url.startswith(base) or url.startswith(f"blob:{base.rstrip('/')}/")


@pytest.fixture(scope="module")
def browser():
    """``(context, base, offsite, errors, browser)``: a Chromium context on
    the served site that refuses and records every request to another host,
    and the console errors and uncaught exceptions of its pages."""
    if not (SITE / PAGES["kernels"]).is_file():
        pytest.fail(f"The website has not been built ({SITE}): make book")
    from playwright.sync_api import sync_playwright

    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    offsite: list[str] = []
    errors: list[str] = []

    def only_this_site(route):
        if same_site(route.request.url, base):
            route.continue_()
        else:  # no internet here, and the site must not need it
            offsite.append(route.request.url)
            route.abort("blockedbyclient")

    try:
        with sync_playwright() as playwright:
            # a fresh profile for each context: nothing calls Google
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = chromium.new_context(
                viewport={"width": 1280, "height": 900},
                service_workers="block",
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", only_this_site)
            context.on("page", lambda page: watch(page, errors))
            yield context, base, offsite, errors, chromium
            context.close()
            chromium.close()
    finally:
        server.shutdown()
    assert not server.errors, server.errors


def watch(page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda m: (
            m.type == "error" and errors.append(f"console error: {m.text}")
        ),
    )
    page.on("pageerror", lambda e: errors.append(f"uncaught exception: {e}"))


def open_explorer(context, base: str, name: str):
    """The page of explorer ``name``, once the explorer is live."""
    page = context.new_page()
    load(page, base + PAGES[name])
    page.wait_for_selector(
        ".cnn-explorer-live .cnn-x-record", state="attached"
    )
    return page


def drive(page, settings: list[dict], controls: dict | None = None):
    results = []
    for start in range(0, len(settings), 500):  # in batches, for the timeout
        results += page.evaluate(
            DRIVE_JS, [settings[start : start + 500], controls or {}]
        )
    return results


def grid(**axes) -> list[dict]:
    """Every combination of the values of ``axes``, the last one changing
    fastest."""
    return [
        dict(zip(axes, values)) for values in itertools.product(*axes.values())
    ]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    box = page.locator(".cnn-explorer-live .cnn-x")
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(SHOTS / f"{name}.png"))


COMPARED: dict[str, int] = {}


# ---------------------------------------------------------------- output size


def conv_refusal(dims, size, kernel, stride, padding, dilation):
    """PyTorch's error for a layer of these settings, as the explorer shows it
    ('Type: first line'), or None."""
    layer = nn.Conv1d if dims == "1D" else nn.Conv2d
    shape = (1, 1) + (size,) * (1 if dims == "1D" else 2)
    try:
        layer(
            1,
            1,
            kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            bias=False,
        )(torch.zeros(shape))
    except (ValueError, RuntimeError) as err:
        return f"{type(err).__name__}: {str(err).splitlines()[0]}"
    return None


def conv_taps(dims, size, kernel, stride, padding, dilation):
    """``(output size, where)`` from PyTorch: ``where[j..., t...]`` is 1 + the
    (flat) input index that tap t of window j reads, 0 for a padding zero: the
    input holds 1 + its own index, and each output channel is a one-hot
    kernel."""
    nd = 1 if dims == "1D" else 2
    x = torch.arange(1.0, size**nd + 1, dtype=torch.float64).reshape(
        (1, 1) + (size,) * nd
    )
    taps = kernel**nd
    weight = torch.eye(taps, dtype=torch.float64).reshape(
        (taps, 1) + (kernel,) * nd
    )
    conv = F.conv1d if nd == 1 else F.conv2d
    out = conv(x, weight, stride=stride, padding=padding, dilation=dilation)
    return tuple(out.shape[2:]), out[0]


def conv_reads(dims, size, kernel, stride, padding, dilation):
    """How many taps read each input value: the gradient of the output's sum
    for a kernel of ones."""
    nd = 1 if dims == "1D" else 2
    x = torch.zeros(
        (1, 1) + (size,) * nd, dtype=torch.float64, requires_grad=True
    )
    conv = F.conv1d if nd == 1 else F.conv2d
    ones = torch.ones((1, 1) + (kernel,) * nd, dtype=torch.float64)
    conv(
        x, ones, stride=stride, padding=padding, dilation=dilation
    ).sum().backward()
    return x.grad[0, 0]


def expected_where(record) -> torch.Tensor:
    """The explorer's taps in the form of :func:`conv_taps`."""
    size = record["settings"]["size"]
    axes = [torch.tensor(a, dtype=torch.float64) for a in record["taps"]]
    if len(axes) == 1:  # [windows, taps] -> [taps, windows]
        return torch.where(axes[0] < 0, 0, axes[0] + 1).T
    rows, cols = axes  # [window, tap] each
    r = rows[:, None, :, None]  # window row, -, tap row, -
    c = cols[None, :, None, :]  # -, window col, -, tap col
    flat = torch.where((r < 0) | (c < 0), 0, r * size + c + 1)
    # -> [tap row, tap col, window row, window col], taps flattened
    k = rows.shape[1]
    return flat.permute(2, 3, 0, 1).reshape(
        k * k, rows.shape[0], cols.shape[0]
    )


# PyTorch warns that 'same' with an even kernel copies the input: true, and
# what the explorer is for
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dims", ["1D", "2D"])
def test_output_size_explorer_agrees_with_pytorch(browser, dims):
    context, base, offsite, errors, _ = browser
    page = open_explorer(context, base, "output_size")
    paddings = [("number", p) for p in range(5)] + [
        (mode, 0) for mode in ("valid", "same", "full")
    ]
    settings = [
        dict(
            dims=dims,
            size=w,
            kernel_size=f,
            stride=s,
            padding_mode=mode,
            padding=p,
            dilation=d,
        )
        for w, f, s, (mode, p), d in itertools.product(
            range(1, 17), range(1, 8), range(1, 5), paddings, range(1, 4)
        )
    ]
    records = drive(page, settings)
    page.close()
    problems, refused = [], 0
    for setting, record in zip(settings, records):
        shown = record["settings"]
        mode = setting["padding_mode"]
        padding = setting["padding"] if mode == "number" else mode
        args = (
            dims,
            setting["size"],
            setting["kernel_size"],
            setting["stride"],
            padding,
            setting["dilation"],
        )
        assert shown == {
            **{
                k: setting[k]
                for k in ("dims", "size", "kernel_size", "stride", "dilation")
            },
            "padding": padding,
        }, (setting, shown)
        torch_padding = (
            setting["dilation"] * (setting["kernel_size"] - 1)
            if mode == "full"
            else padding
        )
        torch_args = args[:4] + (torch_padding,) + args[5:]
        refusal = conv_refusal(*torch_args)
        if refusal is not None or record["refusal"] is not None:
            refused += refusal is not None
            if record["refusal"] != refusal or record["output"] is not None:
                problems.append(
                    f"{setting}: page {record['refusal']!r}, "
                    f"PyTorch {refusal!r}"
                )
            continue
        size, where = conv_taps(*torch_args)
        if tuple(record["output"]) != size:
            problems.append(
                f"{setting}: output {record['output']} on the "
                f"page, {size} in PyTorch"
            )
        elif not torch.equal(expected_where(record), where):
            problems.append(
                f"{setting}: windows read other input values than in PyTorch"
            )
        reads = torch.tensor(record["reads"][0], dtype=torch.float64)
        if dims == "2D":
            reads = torch.outer(
                reads, torch.tensor(record["reads"][1], dtype=torch.float64)
            )
        if not torch.equal(reads, conv_reads(*torch_args)):
            problems.append(f"{setting}: tap counts differ from autograd's")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(
        problems[:20]
    )
    assert refused > 1000 and len(records) == len(settings) == 10_752
    COMPARED[f"output size {dims}"] = len(settings)
    assert not offsite and not errors, (offsite, errors)


# -------------------------------------------------------------------- pooling


def page_state(page, key_prefix: str) -> dict:
    """The saved state of the page's explorer whose key starts with
    ``key_prefix``."""
    models = json.loads(
        page.locator(f'script[type="{WIDGET_STATE}"]').text_content()
    )["state"]
    (state,) = [
        m["state"]
        for m in models.values()
        if m["state"].get("key", "").startswith(key_prefix)
    ]
    return state


def pool_refusal(x, k, s, p, mode, ceil):
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    try:
        return pool(x, k, s, p, ceil_mode=ceil), None
    except RuntimeError as err:
        return None, f"RuntimeError: {str(err).splitlines()[0]}"


def test_pooling_explorer_agrees_with_pytorch(browser):
    import base64

    import numpy as np

    context, base, offsite, errors, _ = browser
    page = open_explorer(context, base, "pooling")
    state = page_state(page, "pooling-")
    h, w = state["height"], state["width"]
    fmap = torch.from_numpy(
        np.frombuffer(base64.b64decode(state["values"]), dtype="<f4").copy()
    ).reshape(h, w)
    largest = state["largest"]
    settings = grid(
        mode=["max", "avg"],
        ceil_mode=[False, True],
        padding=list(range(5)),
        kernel_size=list(range(1, largest + 1)),
        stride=list(range(1, largest + 1)),
    )
    records = drive(page, settings)
    page.close()
    x = fmap[None, None]
    rows = torch.arange(h, dtype=torch.float32)[:, None].expand(h, w)
    cols = torch.arange(w, dtype=torch.float32)[None, :].expand(h, w)
    # channels: row index, column index, and their negatives
    where = torch.stack([rows, cols, -rows, -cols])[None]
    problems, refused = [], 0
    for setting, record in zip(settings, records):
        k, s, p = setting["kernel_size"], setting["stride"], setting["padding"]
        mode, ceil = setting["mode"], setting["ceil_mode"]
        assert record["settings"] == setting, (setting, record["settings"])
        pooled, refusal = pool_refusal(x, k, s, p, mode, ceil)
        if refusal is not None or record["refusal"] is not None:
            refused += refusal is not None
            if record["refusal"] != refusal:
                problems.append(
                    f"{setting}: page {record['refusal']!r}, "
                    f"PyTorch {refusal!r}"
                )
            continue
        pooled = pooled[0, 0]
        if tuple(record["output"]) != tuple(pooled.shape):
            problems.append(
                f"{setting}: output {record['output']}, PyTorch "
                f"{tuple(pooled.shape)}"
            )
            continue
        shown = torch.tensor(record["values"]).reshape(pooled.shape)
        same = (
            torch.equal(shown, pooled)
            if mode == "max"
            else torch.allclose(shown, pooled, rtol=1e-5, atol=1e-6)
        )
        if not same:
            problems.append(
                f"{setting}: pooled values differ, largest "
                f"difference {(shown - pooled).abs().max():.3g}"
            )
        # the first and last row and column each window reaches (max pooling
        # of the indices), against the window starts the page draws
        reach = F.max_pool2d(where, k, s, p, ceil_mode=ceil)[0]
        last_r, last_c = reach[0, :, 0], reach[1, 0, :]
        first_r, first_c = -reach[2, :, 0], -reach[3, 0, :]
        for starts, first, last, n in (
            (record["window_rows"], first_r, last_r, h),
            (record["window_cols"], first_c, last_c, w),
        ):
            starts = torch.tensor(starts, dtype=torch.float32)
            if not (
                torch.equal(starts.clamp(min=0), first)
                and torch.equal((starts + k - 1).clamp(max=n - 1), last)
            ):
                problems.append(
                    f"{setting}: windows start elsewhere than in PyTorch"
                )
        # the rows and columns no window reaches: zero gradient
        xg = x.clone().requires_grad_()
        F.avg_pool2d(xg, k, s, p, ceil_mode=ceil).sum().backward()
        reached = xg.grad[0, 0] != 0
        for name, flags in (
            ("uncovered_rows", reached.any(1)),
            ("uncovered_cols", reached.any(0)),
        ):
            expected = [i for i, f in enumerate(flags.tolist()) if not f]
            if record[name] != expected:
                problems.append(
                    f"{setting}: {name} {record[name]}, PyTorch {expected}"
                )
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(
        problems[:20]
    )
    assert refused > 100 and len(records) == len(settings)
    COMPARED["pooling"] = len(settings)
    assert not offsite and not errors, (offsite, errors)


# -------------------------------------------------------------------- kernels


def test_kernel_explorer_agrees_with_pytorch(browser):
    import base64

    context, base, offsite, errors, _ = browser
    page = open_explorer(context, base, "kernels")
    state = page_state(page, "kernels-")
    h, w = state["height"], state["width"]
    photo = (
        torch.frombuffer(
            bytearray(base64.b64decode(state["pixels"])), dtype=torch.uint8
        )
        .reshape(h, w)
        .float()
        / 255
    )
    presets = state["presets"]
    settings = [{"preset": name} for name in presets]
    # typed numbers: one cell at a time, and whole random kernels
    generator = torch.Generator().manual_seed(0)
    for n in range(9):
        settings.append({f"k{n}": round(0.1 * (n - 4), 1)})
    for _ in range(12):
        values = torch.randint(-20, 21, (9,), generator=generator) / 10
        settings.append({f"k{n}": v for n, v in enumerate(values.tolist())})
    # typing a preset's numbers selects the preset
    settings.append({f"k{n}": v for n, v in enumerate(presets["Laplacian"])})
    records = drive(page, settings)

    problems = []
    kernel = torch.tensor(presets[state["preset"]])
    for setting, record in zip(settings, records):
        if "preset" in setting:
            kernel = torch.tensor(presets[setting["preset"]])
        for key, v in setting.items():
            if key.startswith("k"):
                kernel[int(key[1:])] = v
        k3 = kernel.float().reshape(3, 3)
        if not torch.equal(torch.tensor(record["kernel"]), k3.flatten()):
            problems.append(f"{setting}: page kernel {record['kernel']}")
            continue
        expected = F.conv2d(photo[None, None], k3[None, None])[0, 0]
        shown = torch.tensor(record["values"]).reshape(record["output"])
        if shown.shape != expected.shape or not torch.allclose(
            shown, expected, atol=1e-5, rtol=1e-5
        ):
            problems.append(
                f"{setting}: convolved photo differs from PyTorch's"
            )
            continue
        lo, hi = display_range(k3, expected)
        if not torch.allclose(
            torch.tensor(record["display_range"], dtype=torch.float64),
            torch.tensor([lo, hi], dtype=torch.float64),
            rtol=1e-5,
            atol=1e-6,
        ):
            problems.append(
                f"{setting}: grey levels {record['display_range']}"
                f", Python's {[lo, hi]}"
            )
        preset = next(
            (
                n
                for n, v in presets.items()
                if torch.equal(torch.tensor(v).float(), k3.flatten())
            ),
            "custom",
        )
        if record["preset"] != preset:
            problems.append(
                f"{setting}: preset {record['preset']!r}, expected {preset!r}"
            )
    # the canvas shows the last result in those grey levels
    painted = (
        torch.tensor(
            page.evaluate("""() => {
        const c = document.querySelector(".cnn-x canvas[aria-label=result]");
        return Array.from(c.getContext("2d").getImageData(
            0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0));
    }""")
        )
        .reshape(expected.shape)
        .float()
    )
    lo, hi = display_range(k3, expected)
    grey = ((expected - lo) / (hi - lo)).clamp(0, 1) * 255
    assert (painted - grey).abs().max() <= 1.0
    page.close()
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(
        problems[:20]
    )
    assert records[-1]["preset"] == "Laplacian"
    COMPARED["kernels"] = len(settings)
    assert not offsite and not errors, (offsite, errors)


# ---------------------------------------------- real controls, and screenshots


def test_controls_move_the_explorers_and_screenshots(browser):
    context, base, offsite, errors, _ = browser
    changes = {
        # the stride slider, moved with the keyboard; the key must not reach
        # the page, where JupyterLab and the classic Notebook would take it
        # as a shortcut
        "output_size": lambda page: (
            page.evaluate("""() => { window.keysOnPage = 0;
                document.addEventListener("keydown",
                                          () => window.keysOnPage++); }"""),
            page.locator(".cnn-x input[name=stride]").focus(),
            page.keyboard.press("ArrowRight"),
        ),
        "pooling": lambda page: page.locator(
            ".cnn-x input[name=ceil_mode]"
        ).click(),
        "kernels": lambda page: page.locator(
            ".cnn-x select[name=preset]"
        ).select_option("Laplacian"),
    }
    for name, change in changes.items():
        page = open_explorer(context, base, name)
        record = page.locator(".cnn-x-record")
        before = record.text_content()
        # the static fallback is hidden behind the live explorer
        assert page.locator(".cnn-explorer").evaluate("e => e.hidden")
        shot(page, f"{name}-before")
        change(page)
        assert record.text_content() != before, name
        if name == "output_size":
            assert page.evaluate("window.keysOnPage") == 0
        shot(page, f"{name}-after")
        page.close()
    assert len(list(SHOTS.glob("*.png"))) >= 6
    assert not offsite and not errors, (offsite, errors)


def test_without_javascript_each_explorer_says_what_it_shows(browser):
    _, base, offsite, _, chromium = browser
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if same_site(route.request.url, base)
            else (
                offsite.append(route.request.url),
                route.abort("blockedbyclient"),
            )
        ),
    )
    for name, path in PAGES.items():
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        fallback = page.locator(".cnn-explorer")
        assert fallback.count() == 1 and fallback.is_visible(), name
        assert not page.locator(".cnn-x").count()  # nothing ran
        text = fallback.text_content()
        assert "with JavaScript on" in text and len(text) > 200, text
        SHOTS.mkdir(parents=True, exist_ok=True)
        fallback.scroll_into_view_if_needed()
        fallback.screenshot(path=str(SHOTS / f"{name}-no-javascript.png"))
        page.close()
    context.close()
    assert not offsite, offsite


def test_explorer_pages_stay_light():
    """An explorer page carries its explorers' state and the site's loader,
    and no widget manager: together well under MAX_WIDGET_BYTES."""
    loader = (SITE / "_static" / "explorers.js").stat().st_size
    assert loader < 5_000
    for name, path in PAGES.items():
        html = (SITE / path).read_text(encoding="utf-8")
        start = html.index(f'<script type="{WIDGET_STATE}">')
        state = html.index("</script>", start) - start
        assert loader + state < MAX_WIDGET_BYTES, (name, state)
        assert "embed-amd" not in html and "require.js" not in html
    for other in ("notebooks/04_lenet.html", "book/intro.html"):
        html = (SITE / other).read_text(encoding="utf-8")
        assert "explorers.js" not in html and WIDGET_STATE not in html


def test_report_settings_compared():
    """How many settings were compared (shown with ``pytest -s``); runs last
    in this file."""
    if len(COMPARED) < 4:
        pytest.skip("the comparisons did not all run: nothing to count")
    print(
        "\nsettings compared with PyTorch:",
        COMPARED,
        "total",
        sum(COMPARED.values()),
    )


def test_blob_urls_count_as_this_site():
    base = "http://127.0.0.1:8000/"
    assert same_site("blob:http://127.0.0.1:8000/1234-abcd", base)
    assert not same_site("blob:http://evil.example/1234", base)
    assert not same_site("https://cdn.jsdelivr.net/x.js", base)
    assert urlsplit(base).hostname == "127.0.0.1"
