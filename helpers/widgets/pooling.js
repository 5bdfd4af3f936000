// The pooling explorer of chapter 3 (helpers.widgets.pooling): max or average
// pooling of one feature map, computed here in the browser as PyTorch's
// max_pool2d / avg_pool2d compute it (count_include_pad=True), drawn as SVG.

const MAGMA = [[0, 0, 4], [81, 18, 124], [183, 55, 121], [252, 137, 97],
               [252, 253, 191]];
const HIGHLIGHT = { first: "#ff7f0e", last: "#17becf", uncovered: "#d62728" };

function magma(t) {
  const x = Math.min(Math.max(t, 0), 1) * (MAGMA.length - 1);
  const i = Math.min(Math.floor(x), MAGMA.length - 2);
  const f = x - i;
  const c = MAGMA[i].map((v, n) => Math.round(v + f * (MAGMA[i + 1][n] - v)));
  return `rgb(${c.join(",")})`;
}

function decodeFloats(text) {
  const bytes = Uint8Array.from(atob(text), ch => ch.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

// Output length along one axis, as PyTorch's pooling_output_shape.
function poolOut(W, k, s, p, ceil) {
  let o = Math.floor((W + 2 * p - (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= W + p) o--;  // a last window must start inside
  return o;
}

// { out: [oh, ow], values, refusal }: PyTorch's result or its error.
function pool(x, H, W, k, s, p, mode, ceil) {
  if (p > Math.floor(k / 2)) {
    return { refusal: "RuntimeError: pad should be at most half of " +
      `effective kernel size, but got pad=${p}, kernel_size=${k} and ` +
      "dilation=1" };
  }
  const oh = poolOut(H, k, s, p, ceil), ow = poolOut(W, k, s, p, ceil);
  if (oh < 1 || ow < 1) {
    return { refusal: `RuntimeError: Given input size: (1x${H}x${W}). ` +
      `Calculated output size: (1x${oh}x${ow}). Output size is too small` };
  }
  const values = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let h0 = i * s - p, w0 = j * s - p;
      let h1 = Math.min(h0 + k, H + p), w1 = Math.min(w0 + k, W + p);
      const count = (h1 - h0) * (w1 - w0);  // padding counts for the mean
      h0 = Math.max(h0, 0); w0 = Math.max(w0, 0);
      h1 = Math.min(h1, H); w1 = Math.min(w1, W);
      let best = -Infinity, sum = 0;
      for (let r = h0; r < h1; r++) {
        for (let c = w0; c < w1; c++) {
          const v = x[r * W + c];
          if (v > best) best = v;
          sum += v;
        }
      }
      values[i * ow + j] = mode === "max" ? best
        : h0 >= h1 || w0 >= w1 ? 0 : sum / count;
    }
  }
  return { out: [oh, ow], values, refusal: null };
}

const starts = (n, s, p) => Array.from({ length: n }, (_, i) => i * s - p);

// Input indices along one axis that no window reaches.
function uncoveredAlong(W, starts, k) {
  const hit = new Array(W).fill(false);
  for (const a of starts) {
    for (let i = Math.max(a, 0); i < Math.min(a + k, W); i++) hit[i] = true;
  }
  return hit.flatMap((h, i) => (h ? [] : [i]));
}

function render({ model: widgetModel, el: root }) {
  const { model, cleanup } = tracked(widgetModel);
  const { box, controls, record, finish } = frame(root, "Pooling explorer");
  const H = model.get("height"), W = model.get("width");
  const x = decodeFloats(model.get("values"));
  let lo = Infinity, hi = -Infinity;
  for (const v of x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const shade = v => magma(hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const report = el("div", { class: "cnn-x-report" });
  const picture = el("div", {});
  const redraw = () => {
    const k = model.get("kernel_size"), s = model.get("stride");
    const p = model.get("padding"), mode = model.get("mode");
    const ceil = model.get("ceil_mode");
    const layer = `${mode} pooling, kernel ${k}, stride ${s}, padding ${p}, ` +
      `ceil_mode=${ceil ? "True" : "False"}`;
    const result = pool(x, H, W, k, s, p, mode, ceil);
    report.classList.toggle("refused", result.refusal !== null);
    report.textContent = result.refusal
      ? `${layer}: PyTorch refuses this layer (${result.refusal})`
      : `${layer}: ${H}×${W} → ${result.out[0]}×${result.out[1]}`;
    // the input, padding included, cells of u pixels
    const u = Math.max(6, Math.min(14, Math.floor(340 / (W + 2 * p))));
    const rows = result.refusal ? [] : starts(result.out[0], s, p);
    const cols = result.refusal ? [] : starts(result.out[1], s, p);
    const right = Math.max(W + p, cols.length ? cols.at(-1) + k : 0);
    const bottom = Math.max(H + p, rows.length ? rows.at(-1) + k : 0);
    const inW = (right + p) * u, inH = (bottom + p) * u;
    const top = 22;
    const X = c => (c + p) * u, Y = r => top + (r + p) * u;
    const outU = result.refusal ? 0
      : Math.max(6, Math.min(30, Math.floor(inW / result.out[1]),
                             Math.floor(inH / result.out[0])));
    const x1 = inW + 40;
    const w = x1 + (result.refusal ? 140 : result.out[1] * outU) + 4;
    const h = top + Math.max(inH, result.refusal ? 60
      : result.out[0] * outU) + 4;
    const pic = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h });
    pic.append(svg("text", { x: 0, y: 15 },
                   `input ${H}×${W}` + (p ? `, padding ${p}` : "")));
    for (let r = -p; r < H + p; r++) {
      for (let c = -p; c < W + p; c++) {
        const inside = r >= 0 && r < H && c >= 0 && c < W;
        pic.append(svg("rect", { x: X(c), y: Y(r), width: u, height: u,
                                 fill: inside ? shade(x[r * W + c])
                                   : "#d9d9d9" }));
      }
    }
    if (result.refusal) {
      for (const [n, line] of ["no output:", "PyTorch refuses",
                               "this layer"].entries()) {
        pic.append(svg("text", { x: x1, y: top + 30 + 20 * n,
                                 fill: HIGHLIGHT.uncovered }, line));
      }
    } else {
      const [oh, ow] = result.out;
      const square = (r, c, size, color, dashed, width = 2.5) =>
        svg("rect", { x: X(c), y: Y(r), width: size * u, height: size * u,
                      fill: "none", stroke: color, "stroke-width": width,
                      "stroke-dasharray": dashed ? "5 3" : "" });
      for (const r of uncoveredAlong(H, rows, k)) {
        pic.append(svg("rect", { x: X(-p), y: Y(r), width: (W + 2 * p) * u,
                                 height: u, fill: HIGHLIGHT.uncovered,
                                 "fill-opacity": 0.35 }));
      }
      for (const c of uncoveredAlong(W, cols, k)) {
        pic.append(svg("rect", { x: X(c), y: Y(-p), width: u,
                                 height: (H + 2 * p) * u,
                                 fill: HIGHLIGHT.uncovered,
                                 "fill-opacity": 0.35 }));
      }
      for (const r of rows) {
        for (const c of cols) {
          pic.append(s >= k ? square(r, c, k, "#fff", false, 0.6)
            : svg("circle", { cx: X(c) + k * u / 2, cy: Y(r) + k * u / 2,
                              r: 1.5, fill: "#fff", "fill-opacity": 0.7 }));
        }
      }
      const marked = [[rows[0], cols[0], 0, 0, HIGHLIGHT.first, false],
                      [rows.at(-1), cols.at(-1), oh - 1, ow - 1,
                       HIGHLIGHT.last, false]];
      if (ow > 1) marked.splice(1, 0, [rows[0], cols[1], 0, 1,
                                       HIGHLIGHT.first, true]);
      pic.append(svg("text", { x: x1, y: 15 },
                     `${mode} pooling → ${oh}×${ow}`));
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          pic.append(svg("rect", { x: x1 + j * outU, y: top + i * outU,
                                   width: outU, height: outU,
                                   fill: shade(result.values[i * ow + j]) }));
        }
      }
      for (const [r, c, i, j, color, dashed] of marked) {
        pic.append(square(r, c, k, color, dashed));
        pic.append(svg("rect", { x: x1 + j * outU, y: top + i * outU,
                                 width: outU, height: outU, fill: "none",
                                 stroke: color, "stroke-width": 2.5,
                                 "stroke-dasharray": dashed ? "5 3" : "" }));
      }
    }
    picture.replaceChildren(pic);
    show(record, box, {
      settings: { kernel_size: k, stride: s, padding: p, mode,
                  ceil_mode: ceil },
      input: [H, W],
      output: result.refusal ? null : result.out,
      refusal: result.refusal,
      values: result.refusal ? null : Array.from(result.values),
      window_rows: rows,
      window_cols: cols,
      uncovered_rows: result.refusal ? null : uncoveredAlong(H, rows, k),
      uncovered_cols: result.refusal ? null : uncoveredAlong(W, cols, k),
    });
  };
  const largest = model.get("largest");
  const kernel = slider(model, "kernel_size", "kernel", 1, largest, redraw);
  const stride = slider(model, "stride", "stride", 1, largest, redraw);
  const padding = slider(model, "padding", "padding", 0, 4, redraw);
  const mode = choice(model, "mode", "pooling",
                      [["max", "max"], ["avg", "avg"]], redraw);
  const ceil = tick(model, "ceil_mode", "ceil_mode", redraw);
  controls.append(kernel.node, stride.node, padding.node, mode.node,
                  ceil.node);
  box.append(report, picture);
  finish();
  redraw();
  return cleanup;
}

export default { render };
