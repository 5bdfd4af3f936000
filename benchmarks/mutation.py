"""Do the tests catch a maintainer's one-line bug? Two measures, written to
benchmarks/results/mutation.json (the appendix shows them); `make mutation`.

1. Python: mutmut (configured in pyproject.toml) makes every one-line bug
   its rules know in helpers/ and runs, for each, the unit tests that cover
   the function it changed.
2. JavaScript: no Python tool mutates the explorers' front ends, so
   ``JS_MUTANTS`` below lists realistic one-line bugs in them. Each is applied
   alone to a copy of the built website (the pages carry the explorers'
   modules as the notebooks stored them, the site's loader as
   _static/explorers.js), and the browser test of the explorers is run on it.

A mutant is *caught* when a test fails (or hangs and is stopped). Left out
of the score, each with its reason in the results file: mutants that change
only the words of a message (a string inside ``raise``, ``say`` or
``print``, found by ``message_only``) and the ones listed, with their
reasons, in benchmarks/mutation_excluded.txt.

Not a test: nothing here fails on a score or a time.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import tokenize
from collections import Counter
from pathlib import Path

import torch
from mutmut.stats import status_by_exit_code

from common import RESULTS, ROOT, machine, now, table

MUTANTS = ROOT / "mutants"
SITE = ROOT / "_build" / "html"
# Where a string is words for a reader: what these are called with (the
# explorers' titles and the texts of pages without JavaScript included) and
# what is assigned to these names.
MESSAGE_CALLS = {"say", "print", "warn"}
MESSAGE_NAMES = {"about", "reason", "fix"}
# mutmut's verdicts that count as caught: a test failed, or hung or crashed
CAUGHT = {"killed", "timeout", "segfault"}

# mutmut's name of a surviving mutant: (kind, why), from this file
EXCLUDED_FILE = ROOT / "benchmarks" / "mutation_excluded.txt"


def excluded() -> dict[str, tuple[str, str]]:
    """The mutants listed in ``EXCLUDED_FILE``."""
    found = {}
    for line in EXCLUDED_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, kind, why = line.split(": ", 2)
            if kind not in ("equivalent", "message"):
                sys.exit(f"{EXCLUDED_FILE.name}: {name}: unknown kind {kind}")
            found[name] = kind, why
    return found


# Hand-made bugs in the explorers, one per block: "file: tests to run" (a
# pytest -k pattern), "- " the text as it is (found once in the file), "+ "
# the same with the bug (nothing: deleted).
JS_MUTANTS = """
output_size.js: output_size
- const span = D * (F - 1) + 1,
+ const span = D * F,

output_size.js: output_size
- same: [half, span - 1 - half]
+ same: [span - 1 - half, half]

output_size.js: output_size
- full: [span - 1, span - 1] }
+ full: [span, span] }

output_size.js: output_size
- Math.floor((padded - span) / S) + 1
+ Math.ceil((padded - span) / S) + 1

output_size.js: output_size
- range(0, F).map(t => j * S + t * D)
+ range(0, F).map(t => j * S + t)

output_size.js: output_size
- q === left + i
+ q === i

output_size.js: output_size
- mode === "same" && S > 1 ?
+ mode === "same" && S > 2 ?

output_size.js: output_size
- : padded < span ?
+ : padded <= span ?

output_size.js: output_size
- q < a.left + a.W ? q - a.left
+ q <= a.left + a.W ? q - a.left

output_size.js: output_size
- const padding = mode === "number" ? P : mode;
+ const padding = P;

output_size.js: output_size
- ["padding", "P", [0, 4]]
+ ["padding", "P", [0, 3]]

output_size.js: output_size
- inputs.padding.disabled = mode !== "number";
+ inputs.padding.disabled = mode === "number";

pooling.js: pooling
- (ceil ? s - 1 : 0)
+ (ceil ? s : 0)

pooling.js: pooling
- if (ceil && (o - 1) * s >= W + p) o--;
+ if (ceil && (o - 1) * s > W + p) o--;

pooling.js: pooling
- .map(i => i * s - p);
+ .map(i => i * s);

pooling.js: pooling
- a <= i && i < a + k
+ a <= i && i <= a + k

pooling.js: pooling
- const refusal = p > k / 2 ?
+ const refusal = p >= k / 2 ?

pooling.js: pooling
- const seen = cells(range(Math.max(r, 0), Math.min(r + k, H)),
+ const seen = cells(range(r, Math.min(r + k, H)),

pooling.js: pooling
- const size = (Math.min(r + k, H + p) - r) * (Math.min(c + k, W + p) - c);
+ const size = k * k;

pooling.js: pooling
- a + b, 0) / size);
+ a + b, 0) / seen.length);

pooling.js: pooling
- ["stride", "stride", [1, largest]]
+ ["stride", "stride", [1, largest - 1]]

kernels.js: kernel
- x[(i + Math.floor(n / 3)) * W + j + n % 3]
+ x[(i + n % 3) * W + j + Math.floor(n / 3)]

kernels.js: kernel
- const i = Math.floor(m / (W - 2)), j = m % (W - 2);
+ const i = Math.floor(m / W), j = m % W;

kernels.js: kernel
- const at = 0.99 * (size.length - 1)
+ const at = 0.99 * size.length

kernels.js: kernel
- if (Math.abs(total) >= 1e-6) {
+ if (total >= 1e-6) {

kernels.js: kernel
- v => v / 255);
+ v => v / 256);

kernels.js: kernel
- same(presets[p], k)) ?? "custom"
+ same(presets[p], k)) ?? names[0]

kernels.js: kernel
- const g = 255 * (v - lo) / (hi - lo);
+ const g = 255 * v / (hi - lo);

kernels.js: kernel
- if (!Number.isFinite(box.valueAsNumber)) return;
+

common.js: output_size or pooling or kernel or controls
- Array.from({ length: b - a }, (_, i) => a + i)
+ Array.from({ length: b - a + 1 }, (_, i) => a + i)

common.js: output_size or pooling or kernel or controls
- cols.map(c => [r, c])
+ cols.map(c => [c, r])

common.js: output_size or pooling or kernel or controls
- model.set(name, slider ? Number(input.value) : input[key]);
+ model.set(name, input[key]);

common.js: output_size or pooling or kernel or controls
- () => { sync(); redraw(); });
+ () => { sync(); });

common.js: output_size or pooling or kernel or controls
- for (const name of watch) model.on(`change:${name}`, redraw);
+

common.js: output_size or pooling or kernel or controls
- box.addEventListener("keydown", event => event.stopPropagation());
+

explorers.js: output_size or pooling or kernel or controls
- const key = fallback.dataset.explorerKey;
+ const key = fallback.dataset.key;

explorers.js: output_size or pooling or kernel or controls
- fallback.hidden = true;
+
"""
PAGE = "output_size or pooling or kernel or controls"


def js_mutants() -> list[tuple[str, str, str, str]]:
    """``JS_MUTANTS`` as (file, text, text with the bug, tests)."""
    found = []
    for block in JS_MUTANTS.strip().split("\n\n"):
        head, before, after = block.split("\n")
        name, pattern = head.split(": ")
        found.append((name, before[2:], after[2:], pattern))
    return found


@functools.cache
def mutated(module: Path) -> tuple[list[str], dict]:
    """The lines of a file under mutants/ and its functions' line spans,
    read once."""
    spans = json.loads(module.with_suffix(".py.spans").read_text())["spans"]
    return module.read_text().splitlines(), spans


def function_text(module: Path, name: str) -> list[str]:
    """The lines of mutmut's copy of one function (``name``, without the
    module) in ``module`` (a file under mutants/), by its .spans file."""
    text, spans = mutated(module)
    first, last = spans[name]
    lines = text[first - 1 : last]
    # named alike, so that only the mutation differs
    return [s.replace(name, "function") for s in lines]


def strings_only(before: str, after: str) -> bool:
    """Whether two lines differ only inside string literals."""

    def tokens(line: str):
        found = tokenize.generate_tokens(io.StringIO(line.strip()).readline)
        try:
            return [
                (t.type, t.string if t.type != tokenize.STRING else "")
                for t in found
            ]
        except (tokenize.TokenError, SyntaxError):
            return None

    a, b = tokens(before), tokens(after)
    return a is not None and a == b


def message_strings(tree: ast.AST) -> set[ast.AST]:
    """The string literals in ``tree`` that are words for a reader: in a
    ``raise``, in a call of one of ``MESSAGE_CALLS``, assigned to one of
    ``MESSAGE_NAMES``, or an explorer's title."""
    found, roots = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            roots.append(node)
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            roots += [node] if name in MESSAGE_CALLS else []
            roots += node.args[1:2] if name == "Explorer" else []
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = getattr(node, "targets", [getattr(node, "target", 0)])
            if {getattr(t, "id", "") for t in targets} & MESSAGE_NAMES:
                roots.append(node.value)
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node)
            elif isinstance(node, ast.JoinedStr):
                found.add(node)
    return found


def message_only(orig: list[str], mutant: list[str]) -> bool:
    """Whether a mutant changes only the words of a message: one line
    changed, only inside string literals, and each string on that line one
    of ``message_strings``."""
    changed = [
        i for i, (a, b) in enumerate(zip(orig, mutant), start=1) if a != b
    ]
    if len(orig) != len(mutant) or len(changed) != 1:
        return False
    line = changed[0]
    if not strings_only(orig[line - 1], mutant[line - 1]):
        return False
    tree = ast.parse(textwrap.dedent("\n".join(orig)))
    strings = {
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.Constant, ast.JoinedStr))
        and isinstance(getattr(node, "value", ""), (str, list))
        and node.lineno <= line <= node.end_lineno
    }
    return bool(strings) and strings <= message_strings(tree)


def run_mutmut() -> float:
    """A fresh mutmut run over helpers/; its wall time in seconds."""
    shutil.rmtree(MUTANTS, ignore_errors=True)
    mutated.cache_clear()
    start = time.perf_counter()
    command = [
        str(Path(sys.executable).with_name("mutmut")),
        "run",
        "--max-children",
        str(os.cpu_count() or 1),
    ]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        sys.exit(f"mutmut failed ({done.returncode}): run {command} by hand")
    return time.perf_counter() - start


def score_python() -> tuple[list[list], list[list], dict]:
    """Per module: mutants, left out, caught, survived, score; the
    survivors and left-out mutants; totals."""
    rows, listed, total = [], [], Counter()
    listed_by_hand = excluded()
    for meta in sorted(MUTANTS.glob("helpers/**/*.py.meta")):
        module = meta.with_suffix("")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        count = Counter()
        for key, code in codes.items():
            name = key.rsplit(".", 1)[1]
            orig = re.sub(r"__mutmut_\d+$", "__mutmut_orig", name)
            kind = status_by_exit_code[code]
            if kind in CAUGHT:
                kind = "caught"
            elif kind not in ("survived", "no tests"):
                sys.exit(f"{key}: {kind}; run `mutmut run` again")
            else:
                lines = function_text(module, name)
                why = "changes only a message's words"
                if message_only(function_text(module, orig), lines):
                    kind = "message"
                elif key in listed_by_hand:
                    kind, why = listed_by_hand[key]
                if kind in ("message", "equivalent"):
                    listed.append([key, kind, why])
                else:
                    listed.append([key, kind, diff(module, orig, name)])
            count[kind] += 1
        if not codes:
            continue
        total += count
        rows.append(row(str(module.relative_to(MUTANTS)), count))
    stale = set(listed_by_hand) - {key for key, *_ in listed}
    for key in sorted(stale):
        print(f"{EXCLUDED_FILE.name} lists {key}, no survivor any more")
    return rows + [row("all of helpers/", total)], listed, dict(total)


def diff(module: Path, orig: str, name: str) -> str:
    """The changed line of a mutant: 'before -> after'."""
    a, b = function_text(module, orig), function_text(module, name)
    lines = list(difflib.unified_diff(a, b, lineterm="", n=0))[3:]
    return " -> ".join(s[1:].strip() for s in lines if s[:1] in "+-")


def row(what: str, count: Counter) -> list:
    """A table row: made, left out, caught, survived (no test included),
    the score."""
    left_out = count["message"] + count["equivalent"]
    counted = sum(count.values()) - left_out
    caught = count["caught"]
    survived = counted - caught
    score = f"{100 * caught / counted:.1f} %" if counted else "n/a"
    return [what, sum(count.values()), left_out, caught, survived, score]


def js_source(name: str) -> Path:
    if name == "explorers.js":
        return ROOT / "site_js" / name
    return ROOT / "helpers" / "widgets" / name


def apply_js(site: Path, name: str, before: str, after: str) -> int:
    """Put one bug into the site at ``site``: in _static/explorers.js, or in
    each page's stored explorer modules. The number of places changed."""
    if name == "explorers.js":
        files, pairs = [site / "_static" / name], [(before, after)]
    else:
        files = sorted(site.glob("notebooks/*.html"))
        files += sorted(site.glob("zh/notebooks/*.html"))
        # as the widget state (JSON) in the page writes them
        pairs = [
            tuple(json.dumps(s, ensure_ascii=a)[1:-1] for s in (before, after))
            for a in (False, True)
        ]
    changed = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            if old in text:
                changed += text.count(old)
                text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return changed


def browser_tests(site: Path, pattern: str) -> int:
    """The explorers' browser test on ``site``; pytest's exit code."""
    env = os.environ | {
        "CNN_BOOK_SITE": str(site),
        "CNN_BOOK_SCREENSHOTS": str(site.parent / "screenshots"),
    }
    test = ROOT / "tests" / "browser" / "test_explorers.py"
    command = [sys.executable, "-m", "pytest", str(test), "-q", "-x"]
    command += ["-k", pattern]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done.returncode


def score_javascript() -> tuple[list[list], list[list], dict]:
    if not (SITE / "notebooks" / "01_convolution.html").is_file():
        sys.exit(f"the website has not been built ({SITE}): make book")
    for name, before, _, _ in js_mutants():
        found = js_source(name).read_text(encoding="utf-8").count(before)
        if found != 1:
            sys.exit(f"{name}: {before!r} is there {found} times, not once")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "html"
        shutil.copytree(SITE, site)
        if browser_tests(site, PAGE) != 0:
            sys.exit("the explorers' browser test fails on the site as built")
        listed, count = [], Counter()
        for name, before, after, pattern in js_mutants():
            shutil.rmtree(site)
            shutil.copytree(SITE, site)
            if not apply_js(site, name, before, after):
                sys.exit(f"{name}: {before!r} is not on the built pages")
            caught = browser_tests(site, pattern) != 0
            kind = "caught" if caught else "survived"
            count[name, kind] += 1
            listed.append([name, kind, f"{before} -> {after or '(deleted)'}"])
            print(f"{kind:8}  {name}: {before} -> {after}", flush=True)
    rows, total = [], Counter()
    for name in dict.fromkeys(m[0] for m in js_mutants()):
        each = Counter({k: n for (f, k), n in count.items() if f == name})
        total += each
        rows.append(row(name, each))
    return rows + [row("all", total)], listed, dict(total)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--only",
        choices=["python", "javascript"],
        help="run one measure (the other's results are kept)",
    )
    p.add_argument(
        "--score-only",
        action="store_true",
        help="score the last mutmut run (mutants/) without running it",
    )
    args = p.parse_args()
    path = RESULTS / "mutation.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    result = {
        "benchmark": "mutation",
        "command": "make mutation",
        "measured": now(),
        "machine": machine(torch.device("cpu")),  # the tests run on the CPU
        "tables": old.get("tables", {}),
        "values": old.get("values", {}),
    }
    headers = ["", "mutants", "left out", "caught", "survived", "score"]
    if args.only != "javascript":
        seconds = None if args.score_only else run_mutmut()
        rows, listed, totals = score_python()
        result["tables"]["python"] = {"headers": headers, "rows": rows}
        result["tables"]["python_listed"] = {
            "headers": ["mutant", "kind", "why, or the change"],
            "rows": listed,
        }
        if seconds is not None:
            result["values"]["python_minutes"] = f"{seconds / 60:.0f} min"
        result["values"]["python_score"] = rows[-1][-1]
        print(table(headers, rows))
        print(totals)
    if args.only != "python":
        start = time.perf_counter()
        rows, listed, totals = score_javascript()
        minutes = (time.perf_counter() - start) / 60
        result["tables"]["javascript"] = {"headers": headers, "rows": rows}
        result["tables"]["javascript_listed"] = {
            "headers": ["file", "kind", "the change"],
            "rows": listed,
        }
        result["values"]["javascript_minutes"] = f"{minutes:.0f} min"
        result["values"]["javascript_score"] = rows[-1][-1]
        print(table(headers, rows))
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
