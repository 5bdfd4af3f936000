"""Keep every notebook's set-up cell in step with the repository URL in
_config.yml.

    python tools/setup_cell.py           # rewrite the set-up cells
    python tools/setup_cell.py --check   # exit 1 if one is out of date

The set-up cell is the first code cell tagged ``setup``: on Colab it installs
the book's helpers package from the repository; anywhere else it does nothing.
"""

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


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


def main(check: bool) -> int:
    source, stale = setup_source(repository_url()), []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = setup_cell(nb)
        if cell is None:
            stale.append(f"{path.name}: no code cell tagged 'setup'")
        elif cell.source != source:
            if check:
                stale.append(
                    f"{path.name}: set-up cell differs from "
                    "tools/setup_cell.py"
                )
            else:
                cell.source = source
                nbformat.write(nb, path)
    for line in stale:
        print(line)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
