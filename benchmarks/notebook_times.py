"""Benchmark 1: how long the test suite and each notebook take, in quick and in
full mode.

Every notebook is executed top to bottom in a fresh kernel, as
``tools/run_notebooks.py`` does, but on a temporary copy of the notebooks
folder: the committed notebooks and their stored outputs are never touched.
Quick mode sets ``CNN_BOOK_QUICK=1`` (what the tests use); full mode is what
the website shows.

    python benchmarks/notebook_times.py             # quick and full (~35 min)
    python benchmarks/notebook_times.py --modes quick --name notebooks_quick
    python benchmarks/notebook_times.py --modes full notebooks/04_lenet.ipynb
    python benchmarks/notebook_times.py --modes --tests   # test suite only
    python benchmarks/notebook_times.py --tests --test-command "make test"
    python benchmarks/notebook_times.py --quick  # quick mode, nothing saved

Targets on the book's 2-core CPU: the test suite in 10 minutes or less; every
notebook in full mode, one after the other, in 40 minutes or less. Run it on a
quiet machine: a busy one gives longer times.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import common

QUICK_ENV = "CNN_BOOK_QUICK"


def test_steps() -> list[tuple[str, str]]:
    """The steps of ``make test``, each a target of the Makefile."""
    return [
        ("lint", "make lint"),
        ("doctests", "make doctest"),
        ("unit tests", "make unit"),
        ("nbval, quick mode", "make notebooks"),
        ("website build and browser test", "make browser"),
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
    tables, values = {}, {}
    if args.modes:
        rows = {mode: [] for mode in args.modes}
        totals = {mode: 0.0 for mode in args.modes}
        with tempfile.TemporaryDirectory(prefix="cnnbook-times-") as tmp:
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
                for mode in args.modes:
                    r = run_notebook(
                        folder / nb_path.name,
                        mode == "quick",
                        args.timeout,
                        args.keep,
                    )
                    results["notebooks"].setdefault(nb_path.name, {})[mode] = r
                    totals[mode] += r["seconds"]
                    slow = r["slowest_cell"]
                    failed = f" FAILED: {r['error']}" if r["error"] else ""
                    rows[mode].append(
                        [
                            nb_path.stem,
                            minutes(r["seconds"]) + failed,
                            f"{slow[1]:.1f} s (cell {slow[0]})"
                            if slow
                            else "",
                        ]
                    )
                    print(
                        f"{nb_path.name} {mode}: {minutes(r['seconds'])}"
                        f"{failed}",
                        flush=True,
                    )
        for mode in args.modes:
            rows[mode].append(
                [f"all {len(notebooks)}", minutes(totals[mode]), ""]
            )
            tables[mode] = (
                ["notebook", f"{mode} mode", "slowest cell"],
                rows[mode],
            )
            values[f"{mode}_total"] = minutes(totals[mode])
        if "full" in totals:
            print(
                "\ntarget: all notebooks in full mode <= 40 min "
                f"(measured {minutes(totals['full'])})"
            )

    if args.tests:
        steps = (
            [("test command", args.test_command)]
            if args.test_command
            else test_steps()
        )
        rows, total = [], 0.0
        for name, command in steps:
            r = run_command(command)
            results["tests"][name] = {"command": command, **r}
            total += r["seconds"]
            ok = r["returncode"] == 0
            rows.append(
                [
                    name,
                    minutes(r["seconds"]),
                    "passed" if ok else f"FAILED ({r['returncode']})",
                ]
            )
            print(f"{name}: {minutes(r['seconds'])}", flush=True)
        rows.append(["total", minutes(total), ""])
        tables["tests"] = (["test step", "wall time", "result"], rows)
        values["tests_total"] = minutes(total)
        print(
            f"\ntarget: the test suite <= 10 min (measured {minutes(total)})"
        )
    for title, (headers, rows) in tables.items():
        print(f"\n{title}:\n\n{common.table(headers, rows)}")
    common.save(args, facts, tables, values, results)


if __name__ == "__main__":
    main()
