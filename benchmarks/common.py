"""What every benchmark script shares: its command-line options, a description
of the machine, fair timing of alternatives, a table printer, and the results
file that the book's appendix reads (benchmarks/results/NAME.json).

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
RESULTS = ROOT / "benchmarks" / "results"


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
        "--name",
        help="the results file: benchmarks/results/NAME.json (default: the "
        "script's name)",
    )
    p.add_argument(
        "--json",
        metavar="PATH",
        help="where to write the results (default: benchmarks/results/"
        "SCRIPT.json, which the book shows; a --quick run writes nothing "
        "unless this is given)",
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
    import torchvision

    return {
        "date": now(),
        "CPU": f"{cpu_model()}, {os.cpu_count()} logical cores",
        "software": f"Python {platform.python_version()}, PyTorch "
        f"{torch.__version__} ({threads(torch.get_num_threads())}), "
        f"torchvision {torchvision.__version__}",
        "device": device_name(device),
        "load average": load_average(),
    }


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"
    )


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
    print(f"## {title}\n")
    print(f"command: {command()}\n")
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
    if warmup:
        # first calls pay for memory allocation, lazy initialisation, caches
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


def command() -> str:
    """The command line that ran this script, from the repository root."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return f"python {shlex.join([str(script)] + sys.argv[1:])}"


def save(
    args: argparse.Namespace,
    facts: dict[str, str],
    tables: dict[str, tuple[list[str], list[list]]],
    values: dict[str, str],
    results: dict,
) -> Path | None:
    """Write what the run measured to benchmarks/results/NAME.json (NAME:
    --name, by default the script's name), or to --json: ``tables`` as
    printed (headers, rows), ``values`` (formatted numbers that the page's
    prose quotes) and every raw measurement in ``results``. A --quick run
    writes only to --json."""
    if args.json:
        path = Path(args.json)
    elif args.quick:
        return None
    else:
        path = RESULTS / f"{args.name or Path(sys.argv[0]).stem}.json"
    facts = dict(facts)
    payload = {
        "benchmark": Path(sys.argv[0]).stem,
        "command": command(),
        "measured": facts.pop("date"),
        "machine": facts,
        "tables": {
            k: {
                "headers": [str(h) for h in h_r[0]],
                "rows": [[str(c) for c in r] for r in h_r[1]],
            }
            for k, h_r in tables.items()
        },
        "values": {k: str(v) for k, v in values.items()},
        "args": vars(args),
        "results": results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    print(f"\nresults written to {path}")
    return path


def threads(n: int) -> str:
    return f"{n} CPU thread{'s' if n != 1 else ''}"
