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

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
TAGS = ["setup", "remove-cell"]


def repository_url() -> str:
    match = re.search(
        r"^repository:\s*\n\s+url:\s*(\S+)",
        (ROOT / "_config.yml").read_text(),
        re.M,
    )
    if not match:
        raise SystemExit("_config.yml has no repository: url:")
    return match.group(1)


def setup_source(url: str) -> str:
    return (
        "# On Colab, install the book's helpers; elsewhere, nothing to do.\n"
        "import sys\n\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "cnn-book-helpers @ git+{url}"'
    )


def setup_cell(nb):
    return next(
        (
            c
            for c in nb.cells
            if c.cell_type == "code" and "setup" in c.metadata.get("tags", [])
        ),
        None,
    )


def problems(cell, source: str) -> list[str]:
    """What is out of date in a set-up cell."""
    found = []
    if cell.source != source:
        found.append("set-up cell differs from tools/setup_cell.py")
    missing = [t for t in TAGS if t not in cell.metadata.get("tags", [])]
    if missing:
        found.append(f"set-up cell lacks the tag(s) {', '.join(missing)}")
    return found


def update(cell, source: str) -> None:
    cell.source = source
    tags = cell.metadata.setdefault("tags", [])
    tags += [t for t in TAGS if t not in tags]


def main(check: bool) -> int:
    source, stale = setup_source(repository_url()), []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = setup_cell(nb)
        if cell is None:
            stale.append(f"{path.name}: no code cell tagged 'setup'")
        elif problems(cell, source):
            if check:
                stale += [f"{path.name}: {p}" for p in problems(cell, source)]
            else:
                update(cell, source)
                nbformat.write(nb, path)
    for line in stale:
        print(line)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
