"""The Chinese edition's catalogues (tools/locales.py, tools/edition.py).

The first test is the one that keeps the translation from rotting: it
extracts the English book afresh and fails when any page's catalogue is
short of 100 %, or has fuzzy or stale entries, with a report of coverage per
page (messages and words). The others pin the machinery: what counts as
fuzzy, missing or stale, that fuzzy translations are never compiled, and the
rewrites a compiled message gets.
"""

from __future__ import annotations

import gettext
import json
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import benchmark_table  # noqa: E402
import edition  # noqa: E402
import locales  # noqa: E402


def test_every_page_is_translated_in_full(tmp_path):
    rows = locales.coverage(locales.extract(tmp_path / "gettext"))
    print(locales.report(rows))
    pages = {r.page for r in rows}
    # every page of the book has a catalogue, and the captions one too
    assert locales.TOC_CATALOGUE in pages
    assert {"notebooks/04_lenet", "book/intro"} <= pages
    assert len(pages) == 1 + len(edition.english_pages()) - len(
        edition.SPECIAL_PAGES
    )
    incomplete = [
        f"{r.page}: {r.translated}/{r.messages} messages, "
        f"{len(r.fuzzy)} fuzzy, {len(r.missing)} missing, "
        f"{len(r.stale)} stale (run `make locales`, then translate)"
        for r in rows
        if not r.complete
    ]
    assert not incomplete, "\n".join(incomplete)


def test_every_translation_keeps_the_markup_of_its_english():
    for path in sorted(locales.CATALOGUES.rglob("*.po")):
        for entry in polib.pofile(str(path)):
            assert not locales.problems(entry), (path.name, entry.msgid)


def test_no_compiled_catalogue_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked == []
    assert "*.mo" in (ROOT / ".gitignore").read_text().split()


# --- coverage: what counts as done ---------------------------------------


@pytest.fixture
def catalogues(tmp_path, monkeypatch):
    """An empty catalogue folder and .pot folder in place of the book's."""
    monkeypatch.setattr(locales, "CATALOGUES", tmp_path / "po")
    (tmp_path / "po").mkdir()
    (tmp_path / "pot").mkdir()
    return tmp_path


def write(path: Path, entries: list[polib.POEntry]) -> None:
    catalogue = polib.POFile()
    catalogue.extend(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))


def test_coverage_counts_fuzzy_missing_and_stale_entries(catalogues):
    english = ["One two three.", "Four five.", "Six."]
    write(
        catalogues / "pot" / "page.pot",
        [polib.POEntry(msgid=m) for m in english],
    )
    fuzzy = polib.POEntry(msgid="Four five.", msgstr="四五。", flags=["fuzzy"])
    write(
        catalogues / "po" / "page.po",
        [
            polib.POEntry(msgid="One two three.", msgstr="一二三。"),
            fuzzy,
            polib.POEntry(msgid="Gone.", msgstr="没了。"),
        ],
    )
    (row,) = locales.coverage(catalogues / "pot")
    assert (row.messages, row.translated) == (3, 1)
    assert (row.words, row.words_translated) == (6, 3)
    assert row.fuzzy == ["Four five."]
    assert row.missing == ["Six."]
    assert row.stale == ["Gone."]
    assert not row.complete
    assert "page" in locales.report([row])


def test_coverage_is_complete_only_when_everything_is_translated(catalogues):
    write(catalogues / "pot" / "p.pot", [polib.POEntry(msgid="Hello.")])
    write(catalogues / "po" / "p.po", [polib.POEntry(msgid="Hello.")])
    assert not locales.coverage(catalogues / "pot")[0].complete
    write(
        catalogues / "po" / "p.po",
        [polib.POEntry(msgid="Hello.", msgstr="你好。")],
    )
    assert locales.coverage(catalogues / "pot")[0].complete


# --- compiling: fuzzy never shown, messages made parseable ---------------


def test_compiled_catalogues_leave_out_fuzzy_and_rewrite_roles(
    catalogues, monkeypatch
):
    root = catalogues / "book"
    (root / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(locales, "ROOT", root)
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {"scrapbook": {"name": "verdict"}},
            "data": {
                "application/papermill.record/text/markdown": "It **won**."
            },
        }
    ]
    notebook = {"cells": [{"cell_type": "code", "outputs": outputs}]}
    (root / "notebooks" / "ch.ipynb").write_text(json.dumps(notebook))
    entries = [
        ("{glue:text}`acc:.3f` is high.", "{glue:text}`acc:.3f` 很高。", []),
        ("{glue:text}`n` runs.", "{glue:text}`n` 次运行。", []),
        ("Shown.", "显示。", ["fuzzy"]),
        ("{glue:md}`verdict` Yes.", "{glue:md}`verdict` 是的。", []),
        ("It **won**.", "它**赢了**。", []),
        ("As reported[^src].", "如原文所报告[^src]。", []),
    ]
    write(
        locales.CATALOGUES / "notebooks" / "ch.po",
        [polib.POEntry(msgid=i, msgstr=s, flags=f) for i, s, f in entries],
    )
    write(
        locales.CATALOGUES / "book" / "ref.po",
        [
            polib.POEntry(
                msgid="Calls :func:`f` on ``x``.",
                msgstr="对 ``x``\\ （一个张量）调用 :func:`f`。",
            )
        ],
    )
    locales.compile_catalogues(catalogues / "mo")
    messages = catalogues / "mo" / locales.LANGUAGE / "LC_MESSAGES"
    with (messages / "notebooks" / "ch.mo").open("rb") as f:
        chapter = gettext.GNUTranslations(f)
    # a fuzzy translation is never shown: the English stays
    assert chapter.gettext("Shown.") == "Shown."
    # glue roles name their notebook; glue:text gets an explicit format
    assert chapter.gettext(entries[0][0]) == (
        "{glue:text}`ch.ipynb::acc:.3f` 很高。"
    )
    assert chapter.gettext(entries[1][0]).startswith(
        "{glue:text}`ch.ipynb::n:s`"
    )
    # glued Markdown is written in, translated
    assert chapter.gettext(entries[3][0]) == "它**赢了**。 是的。"
    # a footnote reference gets a definition to link to
    assert chapter.gettext(entries[5][0]) == (
        "如原文所报告[^src]。\n\n[^src]: src"
    )
    with (messages / "book" / "ref.mo").open("rb") as f:
        reference = gettext.GNUTranslations(f)
    assert reference.gettext("Calls :func:`f` on ``x``.") == (
        "对 `x`（一个张量）调用 {func}`f`。"
    )


def test_a_translation_that_loses_markup_is_a_problem():
    entry = polib.POEntry(
        msgid="Use `x` with {glue:text}`acc` and $W$[^a].",
        msgstr="用 x 和 {glue:text}`acc`。",
    )
    (problem,) = locales.problems(entry)
    assert "`x`" in problem and "$W$" in problem and "[^a]" in problem
    # a role's title may be translated, not its target
    titled = polib.POEntry(
        msgid="See {doc}`how to run <how_to_run>`.",
        msgstr="见{doc}`运行方法 <how_to_run>`。",
    )
    assert locales.problems(titled) == []
    retargeted = polib.POEntry(
        msgid=titled.msgid, msgstr="见{doc}`运行方法 <intro>`。"
    )
    assert locales.problems(retargeted)


def test_a_numbered_title_must_escape_its_dot():
    title = polib.POEntry(msgid="4. LeNet", msgstr="4. 训练 LeNet")
    assert len(locales.problems(title)) == 2
    title.msgstr = "4\\. 训练 LeNet"
    assert locales.problems(title) == []


def test_numbers_missing_from_a_translation_are_reported():
    entry = polib.POEntry(
        msgid="It has 44,652 weights.", msgstr="它有很多权重。"
    )
    assert locales.number_warnings(entry) == ["44,652"]
    entry.msgstr = "它有 44,652 个权重。"
    assert locales.number_warnings(entry) == []


def test_the_chinese_table_of_contents(tmp_path):
    toc = locales.chinese_toc(tmp_path / "_toc.yml")
    import yaml

    parts = yaml.safe_load(toc.read_text())["parts"]
    captions = [p["caption"] for p in parts]
    assert all(any("\u4e00" <= c <= "\u9fff" for c in x) for x in captions)
    appendix = parts[-1]["chapters"]
    assert {"file": "book/glossary_zh"} in appendix
    assert (ROOT / "book" / "glossary_zh.md").is_file()


# --- the two editions ------------------------------------------------------


def test_language_links_point_to_the_same_page():
    link = edition.language_link("notebooks/04_lenet", "en", "book/intro")
    assert link["href"] == "../zh/notebooks/04_lenet.html"
    assert link["hreflang"] == "zh-CN"
    link = edition.language_link("notebooks/04_lenet", "zh_CN", "book/intro")
    assert link["href"] == "../../notebooks/04_lenet.html"
    assert (link["label"], link["hreflang"]) == ("English", "en")
    assert edition.language_link("search", "zh_CN", "book/intro")[
        "href"
    ] == ("../search.html")
    # a page only the Chinese edition has links to the English first page
    link = edition.language_link("book/glossary_zh", "zh_CN", "book/intro")
    assert link["href"] == "../../book/intro.html"


def test_glued_sentences_are_translated_and_numbers_left_alone():
    def output(mime, value):
        return {
            "metadata": {"scrapbook": {"name": "k"}},
            "data": {f"application/papermill.record/{mime}": value},
        }

    notebook = {
        "cells": [
            {
                "outputs": [
                    output("text/plain", "'lower'"),
                    output("text/plain", "0.874"),
                    output("text/markdown", "It **won**."),
                    {"data": {"text/plain": "'lower'"}},  # not glued
                ]
            }
        ]
    }
    words = {"lower": "低了", "It **won**.": "它**赢了**。"}
    assert edition.translate_glued(notebook, lambda t: words.get(t, t)) == 2
    outputs = notebook["cells"][0]["outputs"]
    assert list(outputs[0]["data"].values()) == [repr("低了")]
    assert list(outputs[1]["data"].values()) == ["0.874"]
    assert list(outputs[2]["data"].values()) == ["它**赢了**。"]
    assert outputs[3]["data"]["text/plain"] == "'lower'"


def test_glued_texts_are_extracted_only_when_they_are_words(tmp_path):
    def cell(key, mime, value):
        output = {
            "metadata": {"scrapbook": {"name": key}},
            "data": {f"application/papermill.record/{mime}": value},
        }
        return {"cell_type": "code", "outputs": [output]}

    path = tmp_path / "nb.ipynb"
    cells = [
        cell("acc", "text/plain", "0.874"),
        cell("share", "text/plain", "'69.4%'"),
        cell("range", "text/plain", "'0.907 to 0.910'"),
        cell("note", "text/markdown", ["Frozen *k*", " wins."]),
        cell("n", "text/plain", "3"),
    ]
    path.write_text(json.dumps({"cells": cells}))
    assert list(locales.glued_texts(path)) == [
        ("range", "0.907 to 0.910"),
        ("note", "Frozen *k* wins."),
    ]


def test_benchmark_tables_translate_labels_not_measurements():
    assert benchmark_table.is_label("bare loop")
    assert benchmark_table.is_label("0.9 epochs")
    assert benchmark_table.is_label("CIFAR-10 stand-in")
    assert not benchmark_table.is_label("11,079 img/s")
    assert not benchmark_table.is_label("2 min 45 s")
    assert not benchmark_table.is_label("04_lenet")
    assert benchmark_table.localise("1.3 to 1.6", "zh_CN") == "1.3 至 1.6"
    assert benchmark_table.localise("none", "zh_CN") == "无"
    assert benchmark_table.localise("1.3 to 1.6", "en") == "1.3 to 1.6"
    data = {
        "measured": "2026-12-01",
        "machine": {"CPU": "Xeon", "load average": "0.6"},
    }
    assert benchmark_table.provenance(data) == (
        "Measured 2026-12-01; Xeon; load average 0.6 at the start."
    )
    assert benchmark_table.provenance(data, "zh_CN") == (
        "测量于 2026-12-01；Xeon；开始时的负载均值 0.6。"
    )
