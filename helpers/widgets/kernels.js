// The kernel explorer of chapter 1 (helpers.widgets.kernels): a 3x3 kernel on
// a grayscale photo, without padding, as nn.Conv2d computes it (float32).

// The photo x [H, W] cross-correlated with k (9 numbers, row by row).
function correlate(x, H, W, k) {
  return new Float32Array((H - 2) * (W - 2)).map((_, m) => {
    const i = Math.floor(m / (W - 2)), j = m % (W - 2);
    return k.reduce((sum, v, n) =>
      sum + v * x[(i + Math.floor(n / 3)) * W + j + n % 3], 0);
  });
}

// Grey levels [black, white, meaning], as the browser test's display_range: a
// kernel summing to 0 is centred on grey, saturating at the 99th percentile of
// |out|; any other keeps the brightness, scaled by its sum.
function displayRange(k, out) {
  const total = k.reduce((a, b) => a + b, 0);
  if (Math.abs(total) >= 1e-6) {
    return total > 0 ? [0, total, "brightness"]
      : [total, 0, "brightness, inverted"];
  }
  const size = Float64Array.from(out, Math.abs).sort();
  const at = 0.99 * (size.length - 1), i = Math.floor(at);
  const q = size[i] + (at - i) * ((size[i + 1] ?? size[i]) - size[i]);
  const limit = Math.max(q, 1e-6);
  return [-limit, limit, "grey = 0, white > 0, black < 0"];
}

// values [H, W] painted on the canvas, from black at lo to white at hi.
function paint(canvas, values, H, W, lo, hi) {
  Object.assign(canvas, { width: W, height: H });
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(W, H);
  values.forEach((v, n) => {
    const g = 255 * (v - lo) / (hi - lo);  // clamped to 0-255 and rounded
    img.data.set([g, g, g, 255], 4 * n);
  });
  ctx.putImageData(img, 0, 0);
}

function render({ model, el: root }) {
  const H = model.get("height"), W = model.get("width");
  const x = Float32Array.from(bytes(model.get("pixels")), v => v / 255);
  const presets = model.get("presets"), names = Object.keys(presets);
  const same = (a, b) =>  // the same kernel in float32
    a.every((v, i) => Math.fround(v) === Math.fround(b[i]));
  // the kernel's nine numbers, the photo and the result, each under a title
  const boxes = range(0, 9).map(n => el("input", { type: "number", step: 0.1,
    name: `k${n}`, "aria-label": `kernel ${n}`,
    style: "width:4.5em;text-align:right" }));
  const [photo, result] = ["input photo", "result"].map(label =>
    el("canvas", { "aria-label": label, style: "width:200px" }));
  const titles = ["", `input [${H}, ${W}]`, ""].map(text =>
    el("div", { class: "cnn-x-title" }, text));
  const grid = el("div", { style: "display:grid;gap:3px;" +
                           "grid-template-columns:repeat(3,auto)" }, ...boxes);
  const figure = el("div", { style: "display:flex;flex-wrap:wrap;gap:16px" },
    ...[grid, photo, result].map((part, n) =>
      el("div", { style: n ? "width:200px" : "" }, titles[n], part)));
  paint(photo, x, H, W, 0, 1);
  // a preset picked in the menu sets the kernel
  model.on("change:preset", () => {
    const k = presets[model.get("preset")];  // none for "custom"
    if (k && !same(k, model.get("kernel"))) model.set("kernel", [...k]);
    model.save_changes();
  });
  // a number typed sets the kernel, named after the preset it equals, if any
  boxes.forEach((box, n) => box.addEventListener("input", () => {
    if (!Number.isFinite(box.valueAsNumber)) return;
    const k = [...model.get("kernel")];
    k[n] = box.valueAsNumber;
    model.set("kernel", k);
    model.set("preset", names.find(p => same(presets[p], k)) ?? "custom");
    model.save_changes();
  }));
  explorer(model, root, "3x3 kernels on a photograph",
           [["preset", "kernel", [...names, "custom"]]], [figure], () => {
    const k = Float32Array.from(model.get("kernel"));
    const preset = model.get("preset");
    const largest = Math.max(...k.map(Math.abs), 1e-6);
    boxes.forEach((box, n) => {
      // the box being typed in keeps its text
      if (box !== document.activeElement) box.value = model.get("kernel")[n];
      // white at 0, to blue (negative) or red at the largest |number|
      box.style.background = `rgba(${k[n] < 0 ? "59,76,192" : "180,34,38"},` +
        `${Math.abs(k[n]) / largest})`;
    });
    titles[0].textContent = preset === "custom" ? "custom kernel" : preset;
    const values = correlate(x, H, W, k);
    const [lo, hi, scale] = displayRange(k, values);
    paint(result, values, H - 2, W - 2, lo, hi);
    titles[2].textContent = `output [${H - 2}, ${W - 2}] (${scale})`;
    return { kernel: Array.from(k), preset, output: [H - 2, W - 2],
             display_range: [lo, hi], values: Array.from(values) };
  }, ["kernel"]);
}

export default { render };
