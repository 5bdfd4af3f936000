// What the three explorers share (each explorer's module is this file followed
// by its own, see helpers.widgets.front_end): controls bound to the widget's
// model, SVG drawing, and the hidden record of what the explorer shows, which
// the website's browser test compares with PyTorch.

const SVG_NS = "http://www.w3.org/2000/svg";
const COLORS = {
  pad: "#d9d9d9", read: "#c6dbef", neverRead: "#f4a3a3", window: "#6baed6",
  first: "#e6550d", last: "#756bb1", refused: "#cb181d",
};
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
.cnn-x-title { min-height: 2.8em; display: flex; align-items: flex-end; }
`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "style") node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// The view's model, remembering every handler registered through it: render
// returns cleanup(), which anywidget calls when the view goes (a re-run cell),
// so that a removed view stops listening.
function tracked(model) {
  const handlers = [];
  return {
    model: {
      get: name => model.get(name),
      set: (name, value) => model.set(name, value),
      save_changes: () => model.save_changes(),
      on(name, f) { model.on(name, f); handlers.push([name, f]); },
    },
    cleanup() { for (const [name, f] of handlers) model.off(name, f); },
  };
}

// The explorer's frame: a <style>, a row of controls, and a hidden <pre> that
// records what is shown (JSON), for tests and other machines.
function frame(root, title) {
  const box = el("div", { class: "cnn-x", role: "group",
                          "aria-label": title,
                          "data-lm-suppress-shortcuts": "" });
  // Keys belong to the explorer's controls: JupyterLab and the classic
  // Notebook would otherwise take the arrow keys as their own shortcuts.
  box.addEventListener("keydown", event => event.stopPropagation());
  const controls = el("div", { class: "cnn-x-controls" });
  const record = el("pre", { class: "cnn-x-record", hidden: "" });
  box.append(el("style", {}, STYLE), controls);
  root.append(box);
  return { box, controls, record,
           finish() { box.append(record); } };
}

function show(record, box, data) {
  record.textContent = JSON.stringify(data);
  box.dataset.shows = data.output === null ? "refused"
    : JSON.stringify(data.output);
}

// A slider bound to the integer trait `name`.
function slider(model, name, label, min, max, onChange) {
  const input = el("input", { type: "range", min, max, step: 1,
                              name, "aria-label": label });
  const value = el("output");
  const sync = () => { input.value = model.get(name);
                       value.textContent = model.get(name); };
  input.addEventListener("input", () => {
    model.set(name, Number(input.value));
    model.save_changes();
  });
  model.on(`change:${name}`, () => { sync(); onChange(); });
  sync();
  return { node: el("label", {}, label, input, value), input };
}

// A <select> bound to the trait `name`; options are [value, text] pairs.
function choice(model, name, label, options, onChange) {
  const select = el("select", { name, "aria-label": label });
  for (const [v, text] of options) select.append(el("option", { value: v },
                                                    text));
  select.addEventListener("change", () => {
    const v = options.find(o => String(o[0]) === select.value)[0];
    model.set(name, v);
    model.save_changes();
  });
  model.on(`change:${name}`, () => { select.value = String(model.get(name));
                                      onChange(); });
  select.value = String(model.get(name));
  return { node: el("label", {}, label, select), input: select };
}

// A checkbox bound to the boolean trait `name`.
function tick(model, name, label, onChange) {
  const box = el("input", { type: "checkbox", name, "aria-label": label });
  box.addEventListener("change", () => {
    model.set(name, box.checked);
    model.save_changes();
  });
  model.on(`change:${name}`, () => { box.checked = model.get(name);
                                      onChange(); });
  box.checked = model.get(name);
  return { node: el("label", {}, box, label), input: box };
}
