// The explorers on the website, with no kernel and no widget manager: each
// fallback text (div.cnn-explorer, see helpers.widgets.Explorer) gives way to
// its explorer, the ES module saved in the page's widget state, run on that
// state. Loaded, deferred, by pages with widget state (_config.yml).
(() => {
  // What an explorer uses of its model: get, set, on("change:name", f) and
  // save_changes (there is nothing to save to).
  const model = (state, events = new EventTarget()) => ({
    get: name => state[name],
    set(name, value) {
      state[name] = value;
      events.dispatchEvent(new Event(`change:${name}`));
    },
    on: (event, f) => events.addEventListener(event, () => f()),
    save_changes() {},
  });
  const type = "application/vnd.jupyter.widget-state+json";
  const saved = document.querySelector(`script[type="${type}"]`);
  const models = Object.values(JSON.parse(saved.textContent).state);
  for (const fallback of document.querySelectorAll(".cnn-explorer")) {
    const key = fallback.dataset.explorerKey;
    const state = models.find(m => key && m.state.key === key)?.state;
    if (!state) continue;
    const url = URL.createObjectURL(
      new Blob([state._esm], { type: "text/javascript" }));
    import(url).then(({ default: { render } }) => {
      const live = Object.assign(document.createElement("div"),
                                 { className: "cnn-explorer-live" });
      render({ model: model({ ...state }), el: live });
      fallback.hidden = true;
      fallback.after(live);
    }).catch(console.error).finally(() => URL.revokeObjectURL(url));
  }
})();
