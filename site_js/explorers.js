// The book's explorers, live on the static website with no kernel and no
// widget manager. Each explorer is an anywidget widget whose front end (an ES
// module) is stored, with the rest of its state, in the page's widget state.
// This loader finds each explorer's static fallback (an element of class
// cnn-explorer, written by helpers.widgets.Explorer), runs the stored module
// against a minimal model of the saved state, and puts the live explorer in
// the fallback's place. Listed in nb_ipywidgets_js (_config.yml), so only
// pages whose notebook carries widget state load it.
(() => {
  const STATE = "application/vnd.jupyter.widget-state+json";

  // What an anywidget front end uses of its model: get, set, on, off,
  // save_changes (nothing to save to here) and send (no kernel to send to).
  function makeModel(state) {
    const handlers = new Map();
    return {
      get: name => state[name],
      set(name, value) {
        const old = state[name];
        state[name] = value;
        if (old !== value) {
          for (const f of [...(handlers.get(`change:${name}`) || [])]) {
            f({ name, old, new: value });
          }
          for (const f of [...(handlers.get("change") || [])]) f();
        }
      },
      on(names, f) {
        for (const n of names.split(" ")) {
          handlers.set(n, [...(handlers.get(n) || []), f]);
        }
      },
      off(names, f) {
        for (const n of (names || "").split(" ")) {
          handlers.set(n, (handlers.get(n) || []).filter(g => f && g !== f));
        }
      },
      save_changes() {},
      send() {},
    };
  }

  async function start(fallback, entry) {
    const url = URL.createObjectURL(
      new Blob([entry.state._esm], { type: "text/javascript" }));
    try {
      let widget = (await import(url)).default;
      if (typeof widget === "function") widget = await widget();
      const model = makeModel({ ...entry.state });
      const live = document.createElement("div");
      live.className = "cnn-explorer-live";
      if (widget.initialize) await widget.initialize({ model });
      await widget.render({ model, el: live });
      fallback.hidden = true;
      fallback.after(live);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  function startAll() {
    const script = document.querySelector(`script[type="${STATE}"]`);
    if (!script) return;
    const models = Object.values(JSON.parse(script.textContent).state || {});
    for (const fallback of document.querySelectorAll(
      ".cnn-explorer[data-explorer-key]")) {
      const entry = models.find(m => m.model_module === "anywidget" &&
        m.state.key === fallback.dataset.explorerKey);
      if (entry) {
        start(fallback, entry).catch(err => console.error(
          "explorer could not start:", err));
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
