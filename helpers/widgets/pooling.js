// The pooling explorer of chapter 3 (helpers.widgets.pooling): max or average
// pooling of a feature map, as PyTorch's max_pool2d / avg_pool2d compute it.

const MAGMA = [[0, 0, 4], [81, 18, 124], [183, 55, 121], [252, 137, 97],
               [252, 253, 191]];  // matplotlib's colour scale, 5 steps

// One axis of length W: where the windows start (with ceil_mode, the last must
// start in the input or its left padding) and the indices none reaches.
function axis(W, k, s, p, ceil) {
  let o = Math.floor((W + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= W + p) o--;
  const starts = range(0, Math.max(o, 0)).map(i => i * s - p);
  return { o, starts, missed: range(0, W).filter(i =>
    !starts.some(a => a <= i && i < a + k)) };
}

// The map x [H, W] pooled (the mean counts the padding), the windows' starts
// and the rows and columns none reaches; or PyTorch's error (refusal).
function pool(x, H, W, k, s, p, mode, ceil) {
  const [rows, cols] = [axis(H, k, s, p, ceil), axis(W, k, s, p, ceil)];
  const refusal = p > k / 2 ? "RuntimeError: pad should be at most half of " +
    `effective kernel size, but got pad=${p}, kernel_size=${k} and dilation=1`
    : rows.o < 1 || cols.o < 1 ? `RuntimeError: Given input size: (1x${H}x` +
      `${W}). Calculated output size: (1x${rows.o}x${cols.o}). Output size ` +
      "is too small" : null;
  if (refusal) return { refusal, rows: [], cols: [] };
  const values = cells(rows.starts, cols.starts).map(([r, c]) => {
    const seen = cells(range(Math.max(r, 0), Math.min(r + k, H)),
                       range(Math.max(c, 0), Math.min(c + k, W)))
      .map(([i, j]) => x[i * W + j]);
    const size = (Math.min(r + k, H + p) - r) * (Math.min(c + k, W + p) - c);
    return mode === "max" ? Math.max(...seen)
      : Math.fround(seen.reduce((a, b) => a + b, 0) / size);
  });
  return { refusal, values, out: [rows.o, cols.o], rows: rows.starts,
           cols: cols.starts, missed: [rows.missed, cols.missed] };
}

function render({ model, el: root }) {
  const H = model.get("height"), W = model.get("width");
  const x = new Float32Array(bytes(model.get("values")).buffer);
  const [lo, hi] = [Math.min, Math.max].map(f => x.reduce((a, b) => f(a, b)));
  const shade = v => {  // magma, from lo to hi
    const t = hi > lo ? 4 * (v - lo) / (hi - lo) : 2;
    const i = Math.min(Math.floor(t), 3);
    return `rgb(${MAGMA[i].map((c, n) =>
      Math.round(c + (t - i) * (MAGMA[i + 1][n] - c)))})`;
  };
  const report = el("div", { class: "cnn-x-report" }), figure = el("div");
  const largest = model.get("largest");
  explorer(model, root, "Pooling explorer", [
    ["kernel_size", "kernel", [1, largest]],
    ["stride", "stride", [1, largest]], ["padding", "padding", [0, 4]],
    ["mode", "pooling", ["max", "avg"]], ["ceil_mode", "ceil_mode", "tick"],
  ], [report, figure], () => {
    const settings = Object.fromEntries(["kernel_size", "stride", "padding",
      "mode", "ceil_mode"].map(name => [name, model.get(name)]));
    const { kernel_size: k, stride: s, padding: p, mode } = settings;
    const { refusal, values, out: [oh, ow] = [0, 0], rows, cols, missed } =
      pool(x, H, W, k, s, p, mode, settings.ceil_mode);
    report.classList.toggle("refused", refusal !== null);
    report.textContent = `${mode} pooling, kernel ${k}, stride ${s}, padding ` +
      `${p}, ceil_mode=${settings.ceil_mode ? "True" : "False"}: ` +
      (refusal ? `PyTorch refuses this layer (${refusal})`
        : `${H}×${W} → ${oh}×${ow}`);
    // the input and its padding in cells of u pixels, the output in cells of v
    const u = Math.max(6, Math.min(14, Math.floor(340 / (W + 2 * p))));
    const v = Math.min(30, u * s), top = 22;
    const X = c => (c + p) * u, Y = r => top + (r + p) * u;
    const x1 = X(Math.max(W + p, ...cols.map(c => c + k))) + 40;
    const inH = Y(Math.max(H + p, ...rows.map(r => r + k)));
    const g = picture(x1 + ow * v + 4, Math.max(inH, top + oh * v) + 4);
    g.text(0, 15, `input ${H}×${W}` + (p ? `, padding ${p}` : ""));
    for (const [r, c] of cells(range(-p, H + p), range(-p, W + p))) {
      const inside = r >= 0 && r < H && c >= 0 && c < W;
      g.rect(X(c), Y(r), u, u,
             { fill: inside ? shade(x[r * W + c]) : COLORS.pad });
    }
    figure.replaceChildren(g.pic);
    if (refusal) return { settings, refusal };
    // red: the rows and columns no window reaches
    const faded = { fill: COLORS.refused, "fill-opacity": 0.35 };
    for (const r of missed[0]) g.rect(X(-p), Y(r), (W + 2 * p) * u, u, faded);
    for (const c of missed[1]) g.rect(X(c), Y(-p), u, (H + 2 * p) * u, faded);
    // every window's centre, and its outline where windows do not overlap
    for (const [r, c] of cells(rows, cols)) {
      g.add("circle", { cx: X(c) + k * u / 2, cy: Y(r) + k * u / 2, r: 1.5,
                        fill: "#fff", "fill-opacity": 0.7 });
      if (s >= k) {
        g.rect(X(c), Y(r), k * u, k * u,
               { fill: "none", stroke: "#fff", "stroke-width": 0.6 });
      }
    }
    g.text(x1, 15, `${mode} pooling → ${oh}×${ow}`);
    values.forEach((value, m) => g.rect(x1 + (m % ow) * v,
      top + Math.floor(m / ow) * v, v, v, { fill: shade(value) }));
    // the first window (its right neighbour dashed) and the last, in and out
    for (const [i, j, stroke, dash] of [[0, 0, COLORS.first, ""],
      [0, 1, COLORS.first, "5 3"], [oh - 1, ow - 1, "#17becf", ""]]) {
      if (j >= ow) continue;  // no right neighbour
      const line = { fill: "none", stroke, "stroke-width": 2.5,
                     "stroke-dasharray": dash };
      g.rect(X(cols[j]), Y(rows[i]), k * u, k * u, line);
      g.rect(x1 + j * v, top + i * v, v, v, line);
    }
    return { settings, refusal, output: [oh, ow], values, window_rows: rows,
             window_cols: cols, uncovered_rows: missed[0],
             uncovered_cols: missed[1] };
  });
}

export default { render };
