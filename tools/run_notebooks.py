"""Execute notebooks top to bottom, in place, and store their outputs (what the website shows).

    python tools/run_notebooks.py notebooks/04_lenet.ipynb [...]

Full mode unless CNN_BOOK_QUICK=1 is set. Each notebook runs in a fresh kernel with its own folder as the
working directory; the wall time of each is printed.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


WIDGET = "application/vnd.jupyter.widget-view+json"


def drop_progress_bars(nb) -> None:
    """Remove widget outputs that have no static fallback (tqdm's bars) and the saved widget state:
    the website renders no live widgets (explorers fall back to a static figure)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (WIDGET in o.get("data", {}) and
                                                            not {"image/png", "text/html"} & set(o["data"]))]


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    drop_progress_bars(nb)
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {run(Path(arg)):.1f} s", flush=True)
