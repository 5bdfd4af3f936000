// What the explorers share; each explorer's module is this file followed by its
// own (see helpers.widgets.Explorer).

const COLORS = { pad: "#d9d9d9", read: "#c6dbef", unread: "#f4a3a3",
  window: "#6baed6", first: "#e6550d", last: "#756bb1", refused: "#cb181d" };
const STYLE = `
.cnn-x { font: 14px/1.4 system-ui, sans-serif; color: #222; background: #fff;
  padding: 8px; border: 1px solid #ddd; border-radius: 6px; }
.cnn-x-controls { display: flex; flex-wrap: wrap; gap: 4px 18px;
  margin-bottom: 6px; }
.cnn-x label { display: inline-flex; align-items: center; gap: 6px; }
.cnn-x input[type=range] { width: 110px; }
.cnn-x output { min-width: 1.6em; font-variant-numeric: tabular-nums; }
.cnn-x-report { white-space: pre-wrap; margin: 4px 0; padding: 4px 6px;
  background: #f7f7f7; border-radius: 4px; font-size: 13px; }
.cnn-x-report.refused { color: ${COLORS.refused}; }
.cnn-x svg { display: block; max-width: 100%; height: auto; }
.cnn-x-legend { color: #555; font-size: 12px; }
.cnn-x-title { min-height: 2.8em; display: flex; align-items: flex-end; }`;

// The integers a, a + 1, ..., b - 1; every [r, c] of rows x cols; base64 bytes.
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
const cells = (rows, cols) => rows.flatMap(r => cols.map(c => [r, c]));
const bytes = text => Uint8Array.from(atob(text), ch => ch.charCodeAt(0));

// An element with attributes and children; a tag "svg:..." makes an SVG one.
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

// An SVG picture w x h (pic), with add(tag, attrs, text), rect(x, y, width,
// height, attrs) and text(x, y, text, attrs) to draw in it.
function picture(w, h) {
  const pic = el("svg:svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h });
  const add = (tag, attrs, ...text) =>
    pic.appendChild(el(`svg:${tag}`, attrs, ...text));
  const text = (x, y, s, attrs) => add("text", { x, y, ...attrs }, s);
  const rect = (x, y, width, height, attrs) =>
    add("rect", { x, y, width, height, ...attrs });
  return { pic, add, text, rect };
}

// The explorer in root: controls, parts, and a hidden record of what it shows
// (JSON, compared with PyTorch by the website's browser test). A control is
// [trait, label, kind]: a slider (kind [min, max]), a menu (values or [value,
// text]) or a checkbox ("tick"). draw(inputs) draws the state and returns the
// record, again whenever a control's trait or one in watch changes.
function explorer(model, root, title, controls, parts, draw, watch = []) {
  // Keys stay with the controls: JupyterLab and the classic Notebook would
  // take the arrow keys as their shortcuts.
  const box = el("div", { class: "cnn-x", role: "group", "aria-label": title,
                          "data-lm-suppress-shortcuts": "" });
  box.addEventListener("keydown", event => event.stopPropagation());
  const row = el("div", { class: "cnn-x-controls" }), inputs = {};
  const record = el("pre", { class: "cnn-x-record", hidden: "" });
  const redraw = () => { record.textContent = JSON.stringify(draw(inputs)); };
  for (const [name, label, kind] of controls) {
    const slider = typeof kind[0] === "number", tick = kind === "tick";
    const input = inputs[name] = tick ? el("input", { type: "checkbox" })
      : slider ? el("input", { type: "range", min: kind[0], max: kind[1] })
      : el("select", {}, ...kind.map(o => [o].flat()).map(([v, text = v]) =>
        el("option", { value: v }, text)));
    input.name = name;
    input.setAttribute("aria-label", label);
    const shown = el("output"), key = tick ? "checked" : "value";
    const sync = () => { input[key] = shown.textContent = model.get(name); };
    input.addEventListener(slider ? "input" : "change", () => {
      model.set(name, slider ? Number(input.value) : input[key]);
      model.save_changes();
    });
    model.on(`change:${name}`, () => { sync(); redraw(); });
    sync();
    row.append(el("label", {}, ...(tick ? [input, label]
      : [label, input, ...(slider ? [shown] : [])])));
  }
  for (const name of watch) model.on(`change:${name}`, redraw);
  box.append(el("style", {}, STYLE), row, ...parts, record);
  root.append(box);
  redraw();
}
