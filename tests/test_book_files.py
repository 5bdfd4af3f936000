"""The notebooks as committed: listed in the table of contents, set-up cells in
step, outputs stored from one top-to-bottom run, no errors and no machine paths
in them."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/work/|/root/|/home/\w+/|/tmp/(?!ipykernel))")


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    assert f"file: notebooks/{path.stem}" in (ROOT / "_toc.yml").read_text()


def test_setup_cells_match_the_repository_url():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "setup_cell.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_come_from_one_clean_run(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        "run the notebook top to bottom in one go (make full)"
    )
    for i, cell in enumerate(code):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", (
                f"code cell {i} stored an error"
            )
            hit = MACHINE_PATH.search(json.dumps(out))
            assert hit is None, (
                f"code cell {i} shows a machine path: {hit and hit.group(0)}"
            )


def test_every_helpers_module_is_on_the_reference_page():
    import pkgutil

    import helpers

    page = (ROOT / "book" / "helpers_reference.rst").read_text()
    documented = set(re.findall(r"^\.\. automodule:: (\S+)$", page, re.M))
    modules = {
        m.name
        for m in pkgutil.walk_packages(helpers.__path__, "helpers.")
        if not m.name.rpartition(".")[2].startswith("_")
    }
    assert modules | {"helpers"} == documented


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_widget_state_is_only_the_explorers(path):
    """The website runs the explorers (anywidget models, and the layout
    models they refer to) with its own loader, and no other widget:
    tools/run_notebooks.py keeps only their state."""
    widgets = json.loads(path.read_text())["metadata"].get("widgets", {})
    state = widgets.get("application/vnd.jupyter.widget-state+json", {})
    modules = {m["model_module"] for m in state.get("state", {}).values()}
    assert modules <= {"anywidget", "@jupyter-widgets/base"}
