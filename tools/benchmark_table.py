"""Sphinx extension: the appendix's benchmark results come from the files the
benchmark scripts write (benchmarks/results/NAME.json), so that re-running a
script and rebuilding updates the page.

In a page (MyST)::

    ```{benchmark-table} fit_overhead
    :table: main
    ```

renders the table ``main`` (the default) of fit_overhead.json, followed by a
line that says when and on what machine it was measured. The role
``{benchmark}`fit_overhead:fit_ratio``` writes one of the file's ``values``
(numbers formatted by the script) into a sentence.

In the Chinese edition (tools/locales.py) a table's headers, its cells with
words ("bare loop", "0.9 epochs") and the file's note are messages of the
page's catalogue; cells of numbers and units ("11,079 img/s") are
measurements, and the few words in them ("to", "none") and the "Measured ..."
line are written in the edition's language here (``PHRASES``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"
PHRASES = {  # measured, device, load average, separator, end, to, none
    "en": ("Measured {}", "device {}", "load average {} at the start")
    + ("; ", ".", " to ", "none"),
    "zh_CN": ("测量于 {}", "设备 {}", "开始时的负载均值 {}")
    + ("；", "。", " 至 ", "无"),
}
# A word of a label (three letters or more), not a unit of a measurement.
WORD = re.compile(r"[A-Za-z]{3,}")
UNITS = {"img", "min"}
IDENTIFIER = re.compile(r"\w*_[\w.]*")  # 04_lenet
logger = logging.getLogger(__name__)


class BenchmarkError(Exception):
    pass


def load(name: str) -> dict:
    path = RESULTS / f"{name}.json"
    if not path.is_file():
        raise BenchmarkError(f"no {path.name}: run benchmarks/{name}.py")
    return json.loads(path.read_text())


def is_label(text: str) -> bool:
    """Whether a table cell has words to translate."""
    words = WORD.findall(text)
    return not IDENTIFIER.fullmatch(text) and any(
        w not in UNITS for w in words
    )


def localise(value: str, language: str) -> str:
    """A measurement or value in the edition's words: "1.3 to 1.6"."""
    *_, to, none = PHRASES.get(language, PHRASES["en"])
    return (
        none
        if value == "none"
        else re.sub(r"^(\S+) to (\S+)$", rf"\1{to}\2", value)
    )


def provenance(data: dict, language: str = "en") -> str:
    """One line: when, on what, and with what the numbers were measured."""
    measured, device, load, sep, end, *_ = PHRASES.get(language, PHRASES["en"])
    m = data.get("machine", {})
    parts = [measured.format(data["measured"])]
    parts += [m[k] for k in ("CPU", "software") if m.get(k)]
    parts += [device.format(m["device"])] if m.get("device") else []
    parts += [load.format(m["load average"])] if m.get("load average") else []
    return sep.join(parts) + end


class BenchmarkTable(SphinxDirective):
    required_arguments = 1
    option_spec = {"table": directives.unchanged}

    def paragraph(self, text: str, translatable: bool, **attributes):
        """``text`` (`code` shown as code); a message of the page's
        catalogue if ``translatable``."""
        node = nodes.paragraph(text, translatable=translatable, **attributes)
        for i, part in enumerate(text.split("`")):
            if part:
                node += nodes.literal(text=part) if i % 2 else nodes.Text(part)
        if translatable:
            self.set_source_info(node)
        return node

    def run(self):
        name, language = self.arguments[0], self.config.language or "en"
        self.env.note_dependency(str(RESULTS / f"{name}.json"))
        try:
            data = load(name)
            table = data["tables"][self.options.get("table", "main")]
        except (BenchmarkError, KeyError) as err:
            raise self.error(f"benchmark-table {name}: {err}") from None
        group = nodes.tgroup(cols=len(table["headers"]))
        group += [nodes.colspec(colwidth=1) for _ in table["headers"]]
        head, body = nodes.thead(), nodes.tbody()
        for parent, cells in [(head, table["headers"])] + [
            (body, row) for row in table["rows"]
        ]:
            row = nodes.row()
            for cell in map(str, cells):
                label = parent is head or is_label(cell)
                text = cell if label else localise(cell, language)
                row += nodes.entry("", self.paragraph(text, label))
            parent += row
        group += [head, body]
        line = nodes.emphasis(text=provenance(data, language))
        result = [
            nodes.table("", group, classes=["benchmark-table"]),
            nodes.paragraph(
                "",
                "",
                line,
                translatable=False,
                classes=["benchmark-provenance"],
            ),
        ]
        if data.get("note"):
            note = self.paragraph(
                data["note"], True, classes=["benchmark-note"]
            )
            result.append(note)
        return result


class BenchmarkValue(SphinxRole):
    def run(self):
        name, _, key = self.text.partition(":")
        self.env.note_dependency(str(RESULTS / f"{name}.json"))
        try:
            value = localise(
                str(load(name)["values"][key]), self.config.language or "en"
            )
        except (BenchmarkError, KeyError) as err:
            logger.warning(
                f"benchmark {self.text}: {err}", location=self.get_location()
            )
            value = "?"
        return [nodes.inline(text=value, classes=["benchmark"])], []


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_role("benchmark", BenchmarkValue())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
