"""The benchmark results that the appendix shows: every table and value the
page names is in a results file, every file says when and on what it was
measured, and a script's results file is what the page's extension reads."""

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PAGE = (ROOT / "book" / "benchmarks.md").read_text()
FILES = sorted(RESULTS.glob("*.json"))


def module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


extension = module(ROOT / "tools" / "benchmark_table.py", "benchmark_table")


def test_every_table_and_value_on_the_page_is_in_a_results_file():
    tables = re.findall(
        r"```\{benchmark-table\} (\w+)\n(?::table: (\w+))?", PAGE
    )
    values = re.findall(r"\{benchmark\}`(\w+):(\w+)`", PAGE)
    assert tables and values
    missing = [
        f"table {name}:{table or 'main'}"
        for name, table in tables
        if (table or "main") not in extension.load(name)["tables"]
    ] + [
        f"value {name}:{key}"
        for name, key in values
        if key not in extension.load(name)["values"]
    ]
    assert not missing, missing


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_results_file_says_when_and_on_what(path):
    data = json.loads(path.read_text())
    assert re.match(r"20\d\d-\d\d-\d\d", data["measured"])
    assert {"CPU", "software", "device"} <= set(data["machine"])
    assert re.search(r"\d+ CPU threads?", data["machine"]["software"])
    assert data["command"] and data["tables"]
    for table in data["tables"].values():
        assert table["rows"]
        assert all(len(r) == len(table["headers"]) for r in table["rows"])
    line = extension.provenance(data)
    assert line.startswith(f"Measured {data['measured']}")


def test_a_script_writes_what_the_page_reads(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    common = module(ROOT / "benchmarks" / "common.py", "benchmarks_common")
    monkeypatch.setattr(
        sys, "argv", ["benchmarks/example.py", "--threads", "1"]
    )
    args = argparse.Namespace(json=None, quick=False, name=None)
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    facts = common.machine(common.torch.device("cpu"))
    path = common.save(
        args,
        facts,
        {"main": (["loop", "seconds"], [["bare", 0.5], ["fit", 0.52]])},
        {"ratio": "1.04"},
        {"raw": [0.5, 0.52]},
    )
    assert path == tmp_path / "example.json"
    monkeypatch.setattr(extension, "RESULTS", tmp_path)
    data = extension.load("example")
    assert data["tables"]["main"]["rows"] == [["bare", "0.5"], ["fit", "0.52"]]
    assert data["values"]["ratio"] == "1.04"
    assert data["command"] == "python benchmarks/example.py --threads 1"
    assert data["measured"] == facts["date"]
    # a smoke run writes nothing unless told where
    quick = argparse.Namespace(json=None, quick=True, name=None)
    assert common.save(quick, facts, {}, {}, {}) is None
    with pytest.raises(extension.BenchmarkError, match="run benchmarks"):
        extension.load("no_such_benchmark")


def test_chapter_4_seed_run_is_the_appendix_seed_run():
    """The appendix says chapter 4's run of the seed it chose ends, epoch for
    epoch, where the ten-seed benchmark's run of that seed does, on the same
    validation split: the chapter's stored outputs and the results file must
    agree (re-measure or re-run both together)."""
    notebook = json.loads((ROOT / "notebooks" / "04_lenet.ipynb").read_text())
    printed = "".join(
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        and "seed_history = " in "".join(cell["source"])
        for output in cell.get("outputs", [])
    )
    seed = re.search(r"training from seed (\d+)", printed).group(1)
    chapter = re.findall(r"val loss \S+ acc (\d\.\d{4})", printed)
    data = extension.load("lenet_seeds_sigmoid")
    assert data["args"]["val"] == 5000  # the chapter's split
    appendix = [
        data["values"][f"seed_constant_seed{seed}_epoch{epoch}"]
        for epoch in range(1, len(chapter) + 1)
    ]
    assert len(chapter) == 5
    assert chapter == appendix
