"""What every benchmark script shares: its command-line options, a description
of the machine, fair timing of alternatives, and a table printer (Markdown, so
a table can be pasted into the book).

Not a test: nothing here fails on a time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch

ROOT = Path(__file__).resolve().parent.parent


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark has: --device,
    --quick, --seed, --json."""
    p = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--device",
        default="auto",
        help="cpu, cuda, cuda:1, mps, or auto (the best one available)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a fast smoke run with tiny sizes (numbers mean little)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for weights, data order and data subsets",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads for torch (default: torch's own choice, usually "
        "one per core)",
    )
    p.add_argument(
        "--json",
        metavar="PATH",
        help="also write the results to this JSON file",
    )
    return p


def resolve_device(name: str, threads: int | None = None) -> torch.device:
    """The device named on the command line; also applies --threads."""
    if threads:
        torch.set_num_threads(threads)
    if name == "auto":
        from helpers import get_device

        return get_device()
    return torch.device(name)


def sync(device: torch.device) -> None:
    """Wait until queued GPU work is finished, so a timer measures the work and
    not its queueing."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        return "n/a"


def machine(device: torch.device) -> dict[str, str]:
    """The facts a timing depends on, plus the load average (a busy machine
    gives slower, noisier times)."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "CPU": f"{cpu_model()}, {os.cpu_count()} logical cores",
        "torch": f"{torch.__version__} ({torch.get_num_threads()} threads), "
        f"Python {platform.python_version()}",
        "device": device_name(device),
        "load average (1/5/15 min) at start": load_average(),
    }


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table with aligned columns; numbers are shown as given
    (format them first)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"

    return "\n".join(
        [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(r) for r in cells[1:]]
    )


def header(title: str, device: torch.device) -> dict[str, str]:
    """Print the title, the command that reproduces the run and the machine;
    return the machine facts."""
    facts = machine(device)
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    print(f"## {title}\n")
    print(f"command: python {shlex.join([str(script)] + sys.argv[1:])}\n")
    print(table(["machine", ""], [[k, v] for k, v in facts.items()]))
    print(flush=True)
    return facts


def timed(fn: Callable[[], object], device: torch.device) -> float:
    """Wall-clock seconds of ``fn()``, with the device synchronised before and
    after."""
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def interleaved(
    runs: dict[str, Callable[[], object]],
    rounds: int,
    device: torch.device,
    warmup: bool = True,
) -> dict[str, list[float]]:
    """Time each of several alternatives ``rounds`` times, alternating their
    order every round (A B C, C B A, A B C, ...), so that a slow spell of the
    machine hits them all alike.

    Returns each alternative's list of seconds. Compare the best (minimum)
    times: on a shared machine interference only ever adds time, so the minimum
    is the least disturbed measurement.
    """
    names = list(runs)
    if (
        warmup
    ):  # first calls pay for memory allocation, lazy initialisation, caches
        for name in names:
            runs[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(timed(runs[name], device))
    return times


def ratio_summary(
    times: dict[str, list[float]], numerator: str, denominator: str
) -> tuple[float, float]:
    """(ratio of the best times, median of the per-round ratios) of two
    alternatives."""
    best = min(times[numerator]) / min(times[denominator])
    per_round = statistics.median(
        a / b for a, b in zip(times[numerator], times[denominator])
    )
    return best, per_round


def write_json(path: str | None, payload: dict) -> None:
    if path:
        Path(path).write_text(
            json.dumps(payload, indent=2, default=str) + "\n"
        )
        print(f"\nresults written to {path}")
