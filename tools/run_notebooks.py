"""Execute notebooks top to bottom, in place, and store their outputs (what
the website shows).

    python tools/run_notebooks.py notebooks/04_lenet.ipynb [...]

Full mode unless CNN_BOOK_QUICK=1 is set. Each notebook runs in a fresh kernel
with its own folder as the working directory; the wall time of each is
printed.
"""

import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
REFERENCE = re.compile(r"IPY_MODEL_([0-9a-zA-Z_-]+)")


def keep_explorers_only(nb) -> None:
    """Keep the widget state of the book's explorers (anywidget models, which
    the website runs with its own loader, site_js/explorers.js) and of the
    models they refer to; drop every other widget's state, and the outputs of
    widgets that have no static fallback (tqdm's bars): the website cannot
    show them."""
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    models = saved.get("state", {})
    keep = [
        model_id
        for model_id, model in models.items()
        if model.get("model_module") == "anywidget"
    ]
    for model_id in keep:  # what an explorer refers to (its layout), and so on
        for ref in REFERENCE.findall(str(models[model_id].get("state", {}))):
            if ref in models and ref not in keep:
                keep.append(ref)
    if keep:
        state = {model_id: models[model_id] for model_id in keep}
        nb.metadata["widgets"] = {WIDGET_STATE: {**saved, "state": state}}
    else:
        nb.metadata.pop("widgets", None)
    static = {"image/png", "text/html"}  # what a page shows of a widget
    for cell in [c for c in nb.cells if c.cell_type == "code"]:
        data = [o.get("data", {}) for o in cell.outputs]
        cell.outputs = [
            o
            for o, d in zip(cell.outputs, data)
            if WIDGET not in d or static & set(d)
        ]


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    seconds = time.perf_counter() - start
    keep_explorers_only(nb)
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {run(Path(arg)):.1f} s", flush=True)
