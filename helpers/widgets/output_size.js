// The output-size explorer of chapter 2 (helpers.widgets.output_size): where
// the windows of a convolution land, computed here in the browser by the
// formula and drawn as SVG; settings PyTorch refuses are reported with
// PyTorch's own error message.

// One spatial dimension: input W, kernel F, stride S, dilation D and the zeros
// on each side (PyTorch puts the odd zero of 'same' on the right).
function convAxis(W, F, S, D, mode, P) {
  const total = D * (F - 1);
  const half = Math.floor(total / 2);
  const [left, right] = mode === "same" ? [half, total - half]
    : mode === "full" ? [total, total]
    : mode === "valid" ? [0, 0] : [P, P];
  const span = total + 1;
  const padded = left + W + right;
  const windows = Math.max(0, Math.floor((padded - span) / S) + 1);
  // the cells of the padded input that window j reads
  const taps = j => Array.from({ length: F }, (_, t) => j * S + t * D);
  const count = new Array(W).fill(0);
  for (let j = 0; j < windows; j++) {
    for (const q of taps(j)) if (q >= left && q < left + W) count[q - left]++;
  }
  return { W, F, S, D, left, right, span, padded, windows, taps, count };
}

// PyTorch's error for these settings, or null where it accepts them.
function convRefusal(a, mode, ndim) {
  if (mode === "same" && a.S > 1) {
    return "ValueError: padding='same' is not supported for strided " +
      "convolutions";
  }
  if (a.padded < a.span) {
    const each = v => new Array(ndim).fill(v).join(" x ");
    return "RuntimeError: Calculated padded input size per channel: " +
      `(${each(a.padded)}). Kernel size: (${each(a.span)}). Kernel size ` +
      "can't be greater than actual input size";
  }
  return null;
}

function formulaLine(a) {
  const pads = a.left === a.right ? `2·${a.left}` : `${a.left} + ${a.right}`;
  return `⌊(${a.W} + ${pads} − ${a.D}·(${a.F} − 1) − 1)/${a.S}⌋ + 1 = ` +
    `⌊${a.padded - a.span}/${a.S}⌋ + 1 = ${a.windows}`;
}

const MAX_ROWS = 12;  // window rows drawn in 1D

function draw1d(a, refused) {
  const u = 24, x0 = 70, rowH = 22;
  const overrun = refused && a.span > a.padded;
  const shown = refused ? 0 : Math.min(a.windows, MAX_ROWS);
  const more = refused ? 0 : a.windows - shown;
  const width = Math.max(a.padded, a.span);
  const rows = shown + (more || overrun ? 1 : 0);
  const h = u + 8 + rows * rowH + 4;
  const pic = svg("svg", { viewBox: `0 0 ${x0 + width * u + 4} ${h}`,
                           width: x0 + width * u + 4, height: h });
  pic.append(svg("text", { x: x0 - 8, y: u / 2 + 5, "text-anchor": "end" },
                 "input"));
  for (let q = 0; q < a.padded; q++) {
    const i = q - a.left;
    const inside = i >= 0 && i < a.W;
    const never = inside && !refused && a.count[i] === 0;
    pic.append(svg("rect", {
      x: x0 + q * u, y: 0, width: u - 2, height: u,
      fill: !inside ? COLORS.pad : never ? COLORS.neverRead : COLORS.read,
      "data-input": inside ? i : "pad" }));
    if (inside) {
      pic.append(svg("text", { x: x0 + q * u + u / 2 - 1, y: u / 2 + 5,
                               "text-anchor": "middle", "font-size": 12 },
                     i));
    }
  }
  const row = (y, cells, color, label) => {
    pic.append(svg("text", { x: x0 - 8, y: y + 14, "text-anchor": "end",
                             fill: label === "window" ? color : "#222" },
                   label));
    pic.append(svg("line", { x1: x0 + cells[0] * u + u / 2,
                             x2: x0 + cells[cells.length - 1] * u + u / 2,
                             y1: y + 9, y2: y + 9, stroke: color }));
    for (const q of cells) {
      pic.append(svg("rect", { x: x0 + q * u + 4, y: y + 2, width: u - 10,
                               height: 14, fill: color, rx: 2 }));
    }
  };
  for (let j = 0; j < shown; j++) {
    const color = j === 0 ? COLORS.first
      : j === a.windows - 1 ? COLORS.last : COLORS.window;
    row(u + 8 + j * rowH, a.taps(j), color, `out[${j}]`);
  }
  if (overrun) row(u + 8, a.taps(0), COLORS.refused, "window");
  if (more) {
    pic.append(svg("text", { x: x0, y: u + 8 + shown * rowH + 14 },
                   `… and ${more} more windows`));
  }
  return pic;
}

function draw2d(a, refused) {
  const u = 20, gap = 40, top = 22;
  const width = Math.max(a.padded, a.span);
  const out = refused ? 0 : a.windows;
  const outW = Math.max(out, 5);  // room for the title
  // at least as wide as the title above the input
  const w = Math.max(width * u, 230) + (refused ? 0 : gap + outW * u) + 4;
  const h = top + Math.max(width, out) * u + 4;
  const pic = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h });
  const padded = a.padded !== a.W ? `, padded to ${a.padded}×${a.padded}` : "";
  pic.append(svg("text", { x: 0, y: 15 }, `input ${a.W}×${a.W}${padded}`));
  for (let r = 0; r < a.padded; r++) {
    for (let c = 0; c < a.padded; c++) {
      const i = r - a.left, k = c - a.left;
      const inside = i >= 0 && i < a.W && k >= 0 && k < a.W;
      const n = inside && !refused ? a.count[i] * a.count[k] : null;
      pic.append(svg("rect", { x: c * u, y: top + r * u, width: u - 1,
                               height: u - 1,
                               fill: !inside ? COLORS.pad
                                 : n === 0 ? COLORS.neverRead : COLORS.read }));
      if (n !== null) {
        pic.append(svg("text", { x: c * u + u / 2, y: top + r * u + 14,
                                 "text-anchor": "middle", "font-size": 10,
                                 fill: "#444" }, n));
      }
    }
  }
  const outline = (rows, cols, color, dashed) => {
    for (const r of rows) {
      for (const c of cols) {
        pic.append(svg("rect", { x: c * u + 2, y: top + r * u + 2,
                                 width: u - 5, height: u - 5, fill: "none",
                                 stroke: color, "stroke-width": 2,
                                 "stroke-dasharray": dashed ? "4 2" : "" }));
      }
    }
  };
  if (refused) {
    if (a.span > a.padded) {
      const taps = a.taps(0);
      outline(taps, taps, COLORS.refused, true);
    }
    return pic;
  }
  const x1 = Math.max(width * u, 230) + gap;
  pic.append(svg("text", { x: x1, y: 15 }, `output ${out}×${out}`));
  for (let jr = 0; jr < out; jr++) {
    for (let jc = 0; jc < out; jc++) {
      pic.append(svg("circle", { cx: jc * a.S * u + 4, cy: top + jr * a.S * u + 4,
                                 r: 2, fill: "#000" }));
      const color = jr === 0 && jc === 0 ? COLORS.first
        : jr === out - 1 && jc === out - 1 ? COLORS.last : COLORS.window;
      pic.append(svg("rect", { x: x1 + jc * u, y: top + jr * u, width: u - 1,
                               height: u - 1, fill: color }));
    }
  }
  outline(a.taps(out - 1), a.taps(out - 1), COLORS.last);
  outline(a.taps(0), a.taps(0), COLORS.first);
  return pic;
}

function render({ model: widgetModel, el: root }) {
  const { model, cleanup } = tracked(widgetModel);
  const { box, controls, record, finish } = frame(root,
                                                  "Output-size explorer");
  const report = el("div", { class: "cnn-x-report" });
  const title = el("div", {});
  const picture = el("div", {});
  const legend = el("div", { class: "cnn-x-legend" });
  const redraw = () => {
    const dims = model.get("dims");
    const mode = model.get("padding_mode");
    padding.input.disabled = mode !== "number";
    const a = convAxis(model.get("size"), model.get("kernel_size"),
                       model.get("stride"), model.get("dilation"), mode,
                       model.get("padding"));
    const ndim = dims === "2D" ? 2 : 1;
    const refusal = convRefusal(a, mode, ndim);
    const axes = new Array(ndim).fill(a);
    const names = ndim === 1 ? ["length"] : ["height", "width"];
    const each = v => ndim === 1 ? `${v}` : `${v}×${v}`;
    const padText = mode === "number" ? each(model.get("padding"))
      : `'${mode}'`;
    const settings = `input ${each(a.W)}, kernel ${each(a.F)}, stride ` +
      `${each(a.S)}, padding ${padText}, dilation ${each(a.D)}`;
    report.classList.toggle("refused", refusal !== null);
    if (refusal) {
      report.textContent = `PyTorch refuses these parameters.\n${refusal}`;
      title.textContent = settings;
      legend.textContent = "red: the window, which does not fit";
    } else {
      report.textContent = "o = ⌊(W + 2P − D(F − 1) − 1)/S⌋ + 1\n" +
        axes.map((x, i) => `${names[i]}: ${formulaLine(x)}`).join("\n");
      title.textContent = `${settings} → output ${each(a.windows)}`;
      legend.textContent = "grey: zero padding · blue: input values some " +
        "window reads · red: values no window reads · orange / purple: the " +
        "first / last window" + (ndim === 2 ? " · numbers: how many taps " +
        "read each value · dots: where each window starts" : "");
    }
    picture.replaceChildren(ndim === 1 ? draw1d(a, refusal !== null)
                                       : draw2d(a, refusal !== null));
    // per dimension, the input index each tap of each window reads (-1: a
    // padding zero), and how many taps read each input value
    const where = x => Array.from({ length: x.windows }, (_, j) => x.taps(j)
      .map(q => (q >= x.left && q < x.left + x.W ? q - x.left : -1)));
    show(record, box, {
      settings: { dims, size: a.W, kernel_size: a.F, stride: a.S,
                  padding: mode === "number" ? model.get("padding") : mode,
                  dilation: a.D },
      output: refusal ? null : axes.map(x => x.windows),
      refusal,
      taps: refusal ? null : axes.map(where),
      reads: refusal ? null : axes.map(x => x.count),
    });
  };
  const dims = choice(model, "dims", "input", [["1D", "1D"], ["2D", "2D"]],
                      redraw);
  const size = slider(model, "size", "size W", 1, 16, redraw);
  const kernel = slider(model, "kernel_size", "kernel F", 1, 7, redraw);
  const stride = slider(model, "stride", "stride S", 1, 4, redraw);
  const mode = choice(model, "padding_mode", "padding",
                      [["number", "number P"], ["valid", "'valid'"],
                       ["same", "'same'"], ["full", "full: P = D(F − 1)"]],
                      redraw);
  const padding = slider(model, "padding", "P", 0, 4, redraw);
  const dilation = slider(model, "dilation", "dilation D", 1, 3, redraw);
  controls.append(dims.node, size.node, kernel.node, stride.node, mode.node,
                  padding.node, dilation.node);
  box.append(report, title, picture, legend);
  finish();
  redraw();
  return cleanup;
}

export default { render };
