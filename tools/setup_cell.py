"""Keep every notebook's set-up cell in step with the repository URL in
_config.yml, and off the website.

    python tools/setup_cell.py           # rewrite the set-up cells
    python tools/setup_cell.py --check   # exit 1 if one is out of date

The set-up cell is the first code cell tagged ``setup``: on Colab it installs
the book's helpers package from the repository; anywhere else it does nothing.
It also carries myst-nb's ``remove-cell`` tag, so the website leaves it out
(a reader of the page has nothing to install); the notebook keeps it for
Colab, and nbval still runs it.
"""

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
TAGS = ["setup", "remove-cell"]


def setup_source() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    return (
        "# On Colab, install the book's helpers; elsewhere, nothing to do.\n"
        "import sys\n\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "cnn-book-helpers @ git+{url}"'
    )


def main(check: bool) -> int:
    source, stale = setup_source(), []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next(
            (c for c in nb.cells if "setup" in c.metadata.get("tags", [])),
            None,
        )
        if cell is None or cell.cell_type != "code":
            stale.append(f"{path.name}: no code cell tagged 'setup'")
            continue
        tags = cell.metadata.setdefault("tags", [])
        if cell.source == source and set(TAGS) <= set(tags):
            continue
        if check:
            stale.append(f"{path.name}: set-up cell out of date (tags {TAGS})")
        else:
            cell.source = source
            tags += [t for t in TAGS if t not in tags]
            nbformat.write(nb, path)
    for line in stale:
        print(line)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
