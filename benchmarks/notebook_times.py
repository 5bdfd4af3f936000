"""Benchmark 1: how long the test suite and each notebook take, in quick and in
full mode.

Every notebook is executed top to bottom in a fresh kernel, as
``tools/run_notebooks.py`` does, but on a temporary copy of the notebooks
folder: the committed notebooks and their stored outputs are never touched.
Quick mode sets ``CNN_BOOK_QUICK=1`` (what the tests use); full mode is what
the website shows.

    python benchmarks/notebook_times.py --quick                 # quick mode
    only: a few minutes python benchmarks/notebook_times.py
    # quick and full mode (full: ~30 min) python benchmarks/notebook_times.py
    --modes full notebooks/04_lenet.ipynb python benchmarks/notebook_times.py
    --modes --tests         # only the test suite, step by step python
    benchmarks/notebook_times.py --tests --test-command "make test"

Targets on the book's 2-core CPU: the test suite in 10 minutes or less; every
notebook in full mode, one after the other, in 30 minutes or less. Run it on a
quiet machine: a busy one gives longer times.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import common

QUICK_ENV = "CNN_BOOK_QUICK"


def test_steps(python: str) -> list[tuple[str, str]]:
    """The steps of ``make test`` (see the Makefile), run with this Python
    instead of .venv's."""
    bin_dir = Path(python).parent
    return [
        ("unit tests", f"{python} -m pytest tests/ -q --ignore=tests/browser"),
        (
            "nbval, quick mode",
            f"{QUICK_ENV}=1 {python} -m pytest --nbval notebooks/ -q "
            "--sanitize-with tests/nbval_sanitize.cfg "
            "--nbval-cell-timeout=600",
        ),
        (
            "website build",
            f"{bin_dir / 'jupyter-book'} build . --warningiserror --nitpick "
            "--keep-going --quiet",
        ),
        ("browser test", f"{python} -m pytest tests/browser -q"),
    ]


def _stamp(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def slowest_cell(nb) -> tuple[int, float] | None:
    """(index among code cells, seconds) of the slowest cell, from nbclient's
    timing metadata."""
    best = None
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code_cells, 1):
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            s = (
                _stamp(timing["shell.execute_reply"])
                - _stamp(timing["iopub.execute_input"])
            ).total_seconds()
            if best is None or s > best[1]:
                best = (i, s)
    return best


def run_notebook(
    path: Path, quick: bool, timeout: int, keep: Path | None
) -> dict:
    """Execute a copy of ``path`` in its own folder; return its wall time and
    outcome."""
    nb = nbformat.read(path, as_version=4)
    saved = os.environ.get(QUICK_ENV)
    if quick:
        os.environ[QUICK_ENV] = (
            "1"  # the kernel inherits this process's environment
        )
    else:
        os.environ.pop(QUICK_ENV, None)
    start = time.perf_counter()
    error = None
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1][:200]
    finally:
        seconds = time.perf_counter() - start
        if saved is None:
            os.environ.pop(QUICK_ENV, None)
        else:
            os.environ[QUICK_ENV] = saved
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(
            nb, keep / f"{path.stem}.{'quick' if quick else 'full'}.ipynb"
        )
    return {
        "seconds": seconds,
        "error": error,
        "slowest_cell": slowest_cell(nb),
    }


def run_command(command: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run(
        command, shell=True, cwd=common.ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
    return {
        "seconds": seconds,
        "returncode": done.returncode,
        "last_line": tail[0][:160],
    }


def minutes(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def main():
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="default: every notebooks/*.ipynb",
    )
    p.add_argument(
        "--modes",
        nargs="*",
        choices=["quick", "full"],
        default=["quick", "full"],
        help="which modes to run the notebooks in (none: skip the notebooks)",
    )
    p.add_argument(
        "--tests", action="store_true", help="also time the test suite"
    )
    p.add_argument(
        "--test-command",
        help="time this shell command instead of the Makefile's test steps",
    )
    p.add_argument(
        "--timeout", type=int, default=1800, help="seconds allowed per cell"
    )
    p.add_argument(
        "--keep", type=Path, help="write the executed copies into this folder"
    )
    args = p.parse_args()
    if args.quick:
        args.modes = ["quick"]
    device = common.resolve_device(args.device, args.threads)
    facts = common.header("Notebook and test-suite times", device)
    notebooks = [n.resolve() for n in args.notebooks] or sorted(
        (common.ROOT / "notebooks").glob("*.ipynb")
    )

    results: dict = {"notebooks": {}, "tests": {}}
    if args.modes:
        with tempfile.TemporaryDirectory(prefix="cnnbook-times-") as tmp:
            rows, totals = [], {m: 0.0 for m in args.modes}
            for nb_path in notebooks:
                # a copy of the notebook's whole folder, so relative paths and
                # written files stay in tmp
                folder = Path(tmp) / nb_path.parent.name
                if not folder.exists():
                    shutil.copytree(
                        nb_path.parent,
                        folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
                    )
                row = [nb_path.name]
                for mode in ("quick", "full"):
                    if mode not in args.modes:
                        row += ["-", "-"]
                        continue
                    r = run_notebook(
                        folder / nb_path.name,
                        mode == "quick",
                        args.timeout,
                        args.keep,
                    )
                    results["notebooks"].setdefault(nb_path.name, {})[mode] = r
                    totals[mode] += r["seconds"]
                    slow = r["slowest_cell"]
                    row += [
                        minutes(r["seconds"])
                        + (" FAILED" if r["error"] else ""),
                        f"#{slow[0]}: {slow[1]:.1f} s" if slow else "-",
                    ]
                    print(
                        f"{nb_path.name} {mode}: {minutes(r['seconds'])}"
                        + (f"  FAILED: {r['error']}" if r["error"] else ""),
                        flush=True,
                    )
                rows.append(row)
            rows.append(
                ["all notebooks"]
                + sum(
                    (
                        [minutes(totals[m]), ""] if m in totals else ["-", "-"]
                        for m in ("quick", "full")
                    ),
                    [],
                )
            )
            print()
            print(
                common.table(
                    [
                        "notebook",
                        "quick mode",
                        "slowest cell (quick)",
                        "full mode",
                        "slowest cell (full)",
                    ],
                    rows,
                )
            )
            if "full" in totals:
                measured = minutes(totals["full"])
                print(
                    "\ntarget: all notebooks in full mode <= 30 min "
                    f"(measured {measured})"
                )

    if args.tests:
        steps = (
            [("test command", args.test_command)]
            if args.test_command
            else test_steps(sys.executable)
        )
        rows, total = [], 0.0
        for name, command in steps:
            r = run_command(command)
            results["tests"][name] = {"command": command, **r}
            total += r["seconds"]
            rows.append(
                [
                    name,
                    minutes(r["seconds"]),
                    "passed"
                    if r["returncode"] == 0
                    else f"FAILED ({r['returncode']})",
                    r["last_line"],
                ]
            )
            print(f"{name}: {minutes(r['seconds'])}", flush=True)
        rows.append(["total", minutes(total), "", ""])
        print()
        print(
            common.table(
                ["test step", "wall time", "result", "last line of output"],
                rows,
            )
        )
        print(
            f"\ntarget: the test suite <= 10 min (measured {minutes(total)})"
        )
    common.write_json(
        args.json,
        {
            "benchmark": "notebook_times",
            "machine": facts,
            "args": vars(args),
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
