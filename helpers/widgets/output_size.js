// The output-size explorer of chapter 2 (helpers.widgets.output_size): where
// a convolution's windows land, and PyTorch's error for settings it refuses.

// One of n alike dimensions: the zeros left and right (PyTorch puts the odd
// zero of 'same' right), the windows, the padded cells window j reads
// (taps(j)), how many taps read each input value, and PyTorch's refusal.
function axis(W, F, S, D, mode, P, n) {
  const span = D * (F - 1) + 1, half = (span - 1) >> 1;
  const [left, right] = { same: [half, span - 1 - half], valid: [0, 0],
                          full: [span - 1, span - 1] }[mode] ?? [P, P];
  const padded = left + W + right, each = v => Array(n).fill(v).join(" x ");
  const windows = Math.max(0, Math.floor((padded - span) / S) + 1);
  const taps = j => range(0, F).map(t => j * S + t * D);
  const all = range(0, windows).flatMap(taps);
  const count = range(0, W).map(i => all.filter(q => q === left + i).length);
  const refusal = mode === "same" && S > 1 ? "ValueError: padding='same' is " +
    "not supported for strided convolutions" : padded < span ? "RuntimeError" +
    `: Calculated padded input size per channel: (${each(padded)}). Kernel ` +
    `size: (${each(span)}). Kernel size can't be greater than actual input ` +
    "size" : null;
  return { W, S, left, right, span, padded, windows, taps, count, refusal };
}

// The padded input, numbered (1D: indices, 2D: taps reading each value), red
// where no window reads. 1D: each window's taps on a row (12 at most); 2D: a
// dot where each window starts, the first and last outlined, the output.
function draw(a, n) {
  const u = 22, top = 22, x0 = n === 1 ? 64 : 0;
  const out = a.refusal ? 0 : a.windows, side = Math.max(a.padded, a.span);
  const x1 = Math.max(side * u, 230) + 40;  // the 2D output's left edge
  const rows = n === 1 ? Math.min(out, 12) : 0, more = n === 1 && out > rows;
  const g = picture(n === 2 && out ? x1 + Math.max(out, 5) * u : x0 + x1 - 36,
                    top + (n === 1 ? 1 + rows + more : side) * u + 4);
  const each = v => (n === 1 ? v : `${v}×${v}`), mid = q => x0 + q * u + u / 2;
  g.text(x0, 15, `input ${each(a.W)}` +
         (a.padded > a.W ? `, padded to ${each(a.padded)}` : ""));
  for (const [r, c] of cells(range(0, n === 1 ? 1 : a.padded),
                             range(0, a.padded))) {
    const at = (n === 1 ? [c] : [r, c]).map(q => q - a.left);
    const pad = at.some(i => i < 0 || i >= a.W);
    const reads = at.reduce((product, i) => product * a.count[i], 1);
    g.rect(x0 + c * u, top + r * u, u - 1, u - 1, { fill: pad ? COLORS.pad
      : a.refusal || reads ? COLORS.read : COLORS.unread });
    if (!pad && (n === 1 || !a.refusal)) {
      g.text(mid(c), top + r * u + 15, n === 1 ? at[0] : reads,
             { "text-anchor": "middle", "font-size": 11 });
    }
  }
  const color = j => (j === 0 ? COLORS.first
    : j === out - 1 ? COLORS.last : COLORS.window);
  for (let j = 0; j < rows; j++) {
    const y = top + (j + 1) * u + 4, taps = a.taps(j);
    g.text(x0 - 8, y + 13, `out[${j}]`, { "text-anchor": "end" });
    g.add("line", { x1: mid(taps[0]), x2: mid(taps.at(-1)), y1: y + 8,
                    y2: y + 8, stroke: color(j) });
    for (const q of taps) g.rect(mid(q) - 7, y + 1, 14, 14, { fill: color(j) });
  }
  if (more) g.text(x0, top + rows * u + 40, `… and ${out - rows} more windows`);
  const outline = (j, stroke, dash = "") => {  // window j, or (j, j) in 2D
    for (const [r, c] of cells(n === 1 ? [0] : a.taps(j), a.taps(j))) {
      g.rect(x0 + c * u + 2, top + r * u + 2, u - 5, u - 5, { fill: "none",
        stroke, "stroke-width": 2, "stroke-dasharray": dash });
    }
  };
  if (a.span > a.padded) outline(0, COLORS.refused, "4 2");
  if (n === 1 || !out) return g.pic;
  g.text(x1, 15, `output ${out}×${out}`);
  for (const [jr, jc] of cells(range(0, out), range(0, out))) {
    g.add("circle", { cx: jc * a.S * u + 4, cy: top + jr * a.S * u + 4, r: 2 });
    g.rect(x1 + jc * u, top + jr * u, u - 1, u - 1,
           { fill: color(jr === jc ? jr : -1) });
  }
  outline(out - 1, COLORS.last);
  outline(0, COLORS.first);
  return g.pic;
}

function render({ model, el: root }) {
  const report = el("div", { class: "cnn-x-report" }), figure = el("div");
  const legend = el("div", { class: "cnn-x-legend" });
  explorer(model, root, "Output-size explorer", [
    ["dims", "input", ["1D", "2D"]], ["size", "size W", [1, 16]],
    ["kernel_size", "kernel F", [1, 7]], ["stride", "stride S", [1, 4]],
    ["padding_mode", "padding", [["number", "number P"], ["valid", "'valid'"],
      ["same", "'same'"], ["full", "full: P = D(F − 1)"]]],
    ["padding", "P", [0, 4]], ["dilation", "dilation D", [1, 3]],
  ], [report, figure, legend], inputs => {
    const [dims, size, F, S, mode, P, D] = ["dims", "size", "kernel_size",
      "stride", "padding_mode", "padding", "dilation"].map(t => model.get(t));
    const n = dims === "2D" ? 2 : 1, a = axis(size, F, S, D, mode, P, n);
    const padding = mode === "number" ? P : mode;
    inputs.padding.disabled = mode !== "number";
    const pads = a.left === a.right ? `2·${a.left}` : `${a.left} + ${a.right}`;
    report.classList.toggle("refused", a.refusal !== null);
    report.textContent = a.refusal
      ? `PyTorch refuses these parameters.\n${a.refusal}`
      : `o = ⌊(W + 2P − D(F − 1) − 1)/S⌋ + 1\n${n === 1 ? "length"
        : "height and width"}: ⌊(${size} + ${pads} − ${D}·(${F} − 1) − 1)/` +
        `${S}⌋ + 1 = ⌊${a.padded - a.span}/${S}⌋ + 1 = ${a.windows}`;
    legend.textContent = a.refusal ? "red: the window, which does not fit"
      : "grey: zero padding · blue: input values some window reads · red: " +
        "values no window reads · orange / purple: the first / last window" +
        (n === 1 ? "" : " · numbers: how many taps read each value · dots: " +
         "where each window starts");
    figure.replaceChildren(draw(a, n));
    // per dimension: the input value each tap of each window reads (-1: a
    // padding zero), and how many taps read each input value
    const where = range(0, a.windows).map(j => a.taps(j).map(q =>
      (q >= a.left && q < a.left + a.W ? q - a.left : -1)));
    const axes = v => (a.refusal ? null : Array(n).fill(v));
    return { settings: { dims, size, kernel_size: F, stride: S, padding,
                         dilation: D }, refusal: a.refusal,
             output: axes(a.windows), taps: axes(where), reads: axes(a.count) };
  });
}

export default { render };
