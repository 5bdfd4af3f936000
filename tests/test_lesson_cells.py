"""The lesson in the cell: helpers that a chapter writes out are that very
code.

A code cell tagged ``same-as-helpers`` defines functions that ``helpers`` also
has; later chapters import them from there. Each such function must be, letter
for letter, the function of the same name in ``helpers``, so that the chapter
and the package cannot drift apart.
"""

import ast
import importlib
import inspect
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TAG = "same-as-helpers"
MODULES = ["helpers.train", "helpers.data", "helpers.plot", "helpers.shapes"]
# Where each mechanism is taught; the test fails if the cell disappears.
TAUGHT = {
    "04_lenet.ipynb": {
        "train_epoch",
        "evaluate",
        "spread",
        "format_spread",
        "ranges_overlap",
        "false_alarm",
    }
}


def tagged_functions():
    """(notebook, function name, source) of each function in a tagged
    cell."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            if TAG not in cell.get("metadata", {}).get("tags", []):
                continue
            source = "".join(cell["source"])
            for node in ast.parse(source).body:
                if isinstance(node, ast.FunctionDef):
                    found.append(
                        (
                            path.name,
                            node.name,
                            ast.get_source_segment(source, node),
                        )
                    )
    return found


def helpers_function(name: str):
    hits = [
        getattr(importlib.import_module(m), name)
        for m in MODULES
        if hasattr(importlib.import_module(m), name)
    ]
    assert len(hits) == 1, f"{name}: expected in exactly one of {MODULES}"
    return hits[0]


def test_each_taught_mechanism_has_its_cell():
    found = {(nb, name) for nb, name, _ in tagged_functions()}
    for notebook, names in TAUGHT.items():
        for name in names:
            assert (notebook, name) in found, (
                f"{notebook} no longer writes out {name} in a cell tagged "
                f"{TAG}"
            )


@pytest.mark.parametrize(
    "notebook,name,source",
    tagged_functions(),
    ids=lambda v: v if isinstance(v, str) and "\n" not in v else "",
)
def test_the_chapter_cell_is_the_helpers_code(notebook, name, source):
    in_helpers = inspect.getsource(helpers_function(name)).rstrip()
    assert source.rstrip() == in_helpers, (
        f"{notebook}: {name} differs from helpers; change both together"
    )
