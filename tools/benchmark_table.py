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

Translation (the Chinese edition, see tools/locales.py): a table's headers,
its cells with words in them ("bare loop", "0.9 epochs") and the file's note
are messages of the page's catalogue; cells of numbers and units ("2.07",
"11,079 img/s", "0.930 to 1.069") are measurements. The "Measured ..." line
and the few words in measurements and values ("to", "none") are written in
the edition's language here (``PHRASES``); the machine's description is
shown as recorded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective, SphinxRole

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


class BenchmarkError(Exception):
    pass


def load(name: str) -> dict:
    path = RESULTS / f"{name}.json"
    if not path.is_file():
        raise BenchmarkError(
            f"no benchmark results {path.name}: run benchmarks/{name}.py"
        )
    return json.loads(path.read_text())


# The words of the "Measured ..." line, per edition language.
PHRASES = {
    "en": {
        "measured": "Measured {}",
        "device": "device {}",
        "load": "load average {} at the start",
        "sep": "; ",
        "end": ".",
        "to": " to ",
        "none": "none",
    },
    "zh_CN": {
        "measured": "测量于 {}",
        "device": "设备 {}",
        "load": "开始时的负载均值 {}",
        "sep": "；",
        "end": "。",
        "to": " 至 ",
        "none": "无",
    },
}
# A word of a label (three letters or more), not a unit of a measurement.
WORD = re.compile(r"[A-Za-z]{3,}")
UNITS = {"img", "min"}
IDENTIFIER = re.compile(r"\w*_[\w.]*")
RANGE = re.compile(r"^(\S+) to (\S+)$")


def is_label(text: str) -> bool:
    """Whether a table cell has words to translate (a name such as
    ``04_lenet`` has none)."""
    if IDENTIFIER.fullmatch(text):
        return False
    return any(w not in UNITS for w in WORD.findall(text))


def localise(value: str, language: str) -> str:
    """A measurement or value in the edition's words: "1.3 to 1.6"."""
    words = PHRASES.get(language, PHRASES["en"])
    if value == "none":
        return words["none"]
    return RANGE.sub(lambda m: m[1] + words["to"] + m[2], value)


def provenance(data: dict, language: str = "en") -> str:
    """One line: when, on what, and with what the numbers were measured."""
    words = PHRASES.get(language, PHRASES["en"])
    m = data.get("machine", {})
    parts = [words["measured"].format(data["measured"])]
    parts += [m[k] for k in ("CPU", "software") if m.get(k)]
    if m.get("device"):
        parts.append(words["device"].format(m["device"]))
    if m.get("load average"):
        parts.append(words["load"].format(m["load average"]))
    return words["sep"].join(parts) + words["end"]


class BenchmarkTable(SphinxDirective):
    required_arguments = 1
    option_spec = {"table": directives.unchanged}

    def run(self):
        name = self.arguments[0]
        self.env.note_dependency(str(RESULTS / f"{name}.json"))
        try:
            data = load(name)
            table = data["tables"][self.options.get("table", "main")]
        except (BenchmarkError, KeyError) as err:
            raise self.error(f"benchmark-table {name}: {err}") from None
        result = [self._table(table), self._provenance(data)]
        if data.get("note"):
            result.append(self._text(data["note"], ["benchmark-note"]))
        return result

    def _text(self, text: str, classes=(), translatable=True):
        """A paragraph of ``text`` (`code` shown as code); a message of the
        page's catalogue when ``translatable``."""
        paragraph = nodes.paragraph(text, classes=list(classes))
        for i, part in enumerate(text.split("`")):
            if part:
                paragraph += (
                    nodes.literal(text=part) if i % 2 else nodes.Text(part)
                )
        if translatable:
            self.set_source_info(paragraph)
        else:
            paragraph["translatable"] = False
        return paragraph

    def _table(self, table: dict) -> nodes.table:
        headers, rows = table["headers"], table["rows"]
        group = nodes.tgroup(cols=len(headers))
        group += [nodes.colspec(colwidth=1) for _ in headers]
        head, body = nodes.thead(), nodes.tbody()
        for parent, cells in [(head, headers), *[(body, r) for r in rows]]:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                text = str(cell)
                # Headers and labels are translated; measurements are not.
                label = parent is head or is_label(text)
                if not label:
                    text = localise(text, self.env.config.language or "en")
                entry += self._text(text, translatable=label)
                row += entry
            parent += row
        group += [head, body]
        result = nodes.table(classes=["benchmark-table"])
        result += group
        return result

    def _provenance(self, data: dict) -> nodes.paragraph:
        paragraph = nodes.paragraph(classes=["benchmark-provenance"])
        paragraph["translatable"] = False
        language = self.env.config.language or "en"
        paragraph += nodes.emphasis(text=provenance(data, language))
        return paragraph


class BenchmarkValue(SphinxRole):
    def run(self):
        name, _, key = self.text.partition(":")
        self.env.note_dependency(str(RESULTS / f"{name}.json"))
        try:
            value = load(name)["values"][key]
        except (BenchmarkError, KeyError) as err:
            msg = self.inliner.reporter.error(
                f"benchmark {self.text}: {err}", line=self.lineno
            )
            return [
                self.inliner.problematic(self.rawtext, self.rawtext, msg)
            ], [msg]
        value = localise(str(value), self.env.config.language or "en")
        return [nodes.inline(text=value, classes=["benchmark"])], []


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_role("benchmark", BenchmarkValue())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
