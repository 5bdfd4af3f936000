// The kernel explorer of chapter 1 (helpers.widgets.kernels): a 3x3 kernel
// cross-correlated with a grayscale photo here in the browser, without
// padding, as nn.Conv2d computes it (float32 numbers).

function decodePixels(text) {
  const bytes = Uint8Array.from(atob(text), ch => ch.charCodeAt(0));
  return Float32Array.from(bytes, v => v / 255);
}

function correlate(x, H, W, k) {
  const oh = H - 2, ow = W - 2;
  const out = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let sum = 0;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) sum += k[a * 3 + b] * x[(i + a) * W + j + b];
      }
      out[i * ow + j] = sum;
    }
  }
  return out;
}

// Grey levels for the result, as helpers.widgets.kernels._display_range: a
// kernel that sums to 0 is centred on grey and saturates at the 99th
// percentile of |result|; any other keeps brightness, scaled by its sum.
function displayRange(k, out) {
  const total = k.reduce((a, b) => a + b, 0);
  if (Math.abs(total) < 1e-6) {
    const size = Float64Array.from(out, Math.abs).sort();
    const at = 0.99 * (size.length - 1);
    const i = Math.floor(at);
    const q = size[i] + (at - i) * ((size[i + 1] ?? size[i]) - size[i]);
    const limit = Math.max(q, 1e-6);
    return [-limit, limit, "grey = 0, white > 0, black < 0"];
  }
  return total > 0 ? [0, total, "brightness"]
    : [total, 0, "brightness, inverted"];
}

function paint(canvas, values, H, W, lo, hi) {
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(W, H);
  for (let n = 0; n < values.length; n++) {
    const g = Math.round(255 * Math.min(Math.max(
      (values[n] - lo) / (hi - lo), 0), 1));
    img.data.set([g, g, g, 255], 4 * n);
  }
  ctx.putImageData(img, 0, 0);
}

function kernelColor(v, largest) {
  const t = Math.max(-1, Math.min(1, v / largest));
  // blue for negative, red for positive, white for 0
  const [r, g, b] = t < 0 ? [255 + t * 196, 255 + t * 179, 255 + t * 63]
    : [255 - t * 75, 255 - t * 221, 255 - t * 217];
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}

function render({ model: widgetModel, el: root }) {
  const { model, cleanup } = tracked(widgetModel);
  const { box, controls, record, finish } = frame(
    root, "3x3 kernels on a photograph");
  const H = model.get("height"), W = model.get("width");
  const x = decodePixels(model.get("pixels"));
  const presets = model.get("presets");
  const side = 200;  // pixels on screen for each picture
  const input = el("canvas", { "aria-label": "input photo",
    style: `width:${side}px;image-rendering:auto` });
  const output = el("canvas", { "aria-label": "result",
    style: `width:${side}px;image-rendering:auto` });
  paint(input, x, H, W, 0, 1);
  const cells = Array.from({ length: 9 }, (_, n) => el("input", {
    type: "number", step: 0.1, name: `k${n}`, "aria-label": `kernel ${n}`,
    style: "width:4.5em;text-align:right" }));
  const grid = el("div", { style: "display:grid;grid-template-columns:" +
                           "repeat(3,auto);gap:3px" }, ...cells);
  const menu = choice(model, "preset", "kernel",
    [...Object.keys(presets).map(n => [n, n]), ["custom", "custom"]], () => {
      const name = model.get("preset");
      if (name !== "custom" &&
          presets[name].some((v, n) => v !== model.get("kernel")[n])) {
        model.set("kernel", [...presets[name]]);
        model.save_changes();
      }
      redraw();
    });
  cells.forEach((cell, n) => cell.addEventListener("input", () => {
    const v = Number(cell.value);
    if (cell.value === "" || !Number.isFinite(v)) return;
    const k = [...model.get("kernel")];
    k[n] = v;
    // a kernel equal to a preset takes its name, any other is custom
    const name = Object.keys(presets).find(
      p => presets[p].every((w, m) => Math.fround(w) === Math.fround(k[m])));
    model.set("kernel", k);
    model.set("preset", name ?? "custom");
    model.save_changes();
  }));
  const outTitle = el("div", { class: "cnn-x-title" });
  const kernelTitle = el("div", { class: "cnn-x-title" });
  const panel = `width:${side}px`;
  const figure = el("div", { style: "display:flex;flex-wrap:wrap;gap:16px;" +
                             "align-items:flex-start" },
    el("div", {}, kernelTitle, grid),
    el("div", { style: panel }, el("div", { class: "cnn-x-title" },
                                   `input [${H}, ${W}]`), input),
    el("div", { style: panel }, outTitle, output));
  const redraw = () => {
    const k = Float32Array.from(model.get("kernel"));
    const largest = Math.max(...k.map(Math.abs), 1e-6);
    cells.forEach((cell, n) => {
      if (document.activeElement !== cell || Number(cell.value) !== k[n]) {
        cell.value = String(model.get("kernel")[n]);
      }
      cell.style.background = kernelColor(k[n], largest);
    });
    const preset = model.get("preset");
    kernelTitle.textContent = preset === "custom" ? "custom kernel" : preset;
    const values = correlate(x, H, W, k);
    const [lo, hi, scale] = displayRange(k, values);
    paint(output, values, H - 2, W - 2, lo, hi);
    outTitle.textContent = `output [${H - 2}, ${W - 2}] (${scale})`;
    show(record, box, {
      kernel: Array.from(k), preset, input: [H, W], output: [H - 2, W - 2],
      display_range: [lo, hi], values: Array.from(values),
    });
  };
  model.on("change:kernel", redraw);
  controls.append(menu.node);
  box.append(figure);
  finish();
  redraw();
  return cleanup;
}

export default { render };
