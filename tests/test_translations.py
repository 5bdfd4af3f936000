"""The Chinese edition's catalogues (tools/locales.py, tools/edition.py).

The first test is the one that keeps the translation from rotting: it
extracts the English book afresh and fails when any page's catalogue is
short of 100 %, or has fuzzy or stale entries, with a report of coverage per
page; the phrases a notebook may glue (helpers.glue.PHRASES) are messages
too, every one of them, whichever a run chose. The others pin what counts as
done, that fuzzy translations are never compiled, and the markup a
translation must keep.
"""

from __future__ import annotations

import gettext
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
    # every page of the book has a catalogue, and the _book one too
    assert locales.BOOK_CATALOGUE in pages
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
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
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


# --- compiling: fuzzy never shown, footnotes parseable ---------------------


def test_compiled_catalogues_leave_out_fuzzy_and_define_footnotes(catalogues):
    entries = [
        ("Shown.", "显示。", ["fuzzy"]),
        ("As reported[^src].", "如原文所报告[^src]。", []),
        ("{glue:text}`acc:.3f` is high.", "{glue:text}`acc:.3f` 很高。", []),
    ]
    write(
        locales.CATALOGUES / "notebooks" / "ch.po",
        [polib.POEntry(msgid=i, msgstr=s, flags=f) for i, s, f in entries],
    )
    locales.compile_catalogues(catalogues / "mo")
    mo = catalogues / "mo" / locales.LANGUAGE / "LC_MESSAGES" / "notebooks"
    with (mo / "ch.mo").open("rb") as f:
        chapter = gettext.GNUTranslations(f)
    # a fuzzy translation is never shown: the English stays
    assert chapter.gettext("Shown.") == "Shown."
    # a footnote reference gets a definition, for MyST to parse it
    assert chapter.gettext(entries[1][0]) == (
        "如原文所报告[^src]。\n\n[^src]: src"
    )
    # a glue role stays as written (tools/edition.py reads it in place)
    assert chapter.gettext(entries[2][0]) == entries[2][1]


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


def test_the_chinese_configuration_and_table_of_contents(tmp_path):
    import yaml

    config, toc = locales.chinese_edition(tmp_path)
    config = yaml.safe_load(config.read_text())
    sphinx = config["sphinx"]["config"]
    assert sphinx["language"] == "zh_CN"
    (locale_dir,) = sphinx["locale_dirs"]  # relative to the book
    assert (ROOT / locale_dir).resolve() == (tmp_path / "locales").resolve()
    parts = yaml.safe_load(toc.read_text())["parts"]
    captions = [p["caption"] for p in parts] + [config["title"]]
    assert all(any("\u4e00" <= c <= "\u9fff" for c in x) for x in captions)
    assert {"file": "book/glossary_zh"} in parts[-1]["chapters"]
    assert (ROOT / "book" / "glossary_zh.md").is_file()


# --- the two editions ------------------------------------------------------


def test_language_links_point_to_the_same_page():
    link = edition.language_link("notebooks/04_lenet", "en", "book/intro")
    assert link["href"] == "../zh/notebooks/04_lenet.html"
    assert link["hreflang"] == "zh-CN"
    link = edition.language_link("notebooks/04_lenet", "zh_CN", "book/intro")
    assert link["href"] == "../../notebooks/04_lenet.html"
    assert (link["label"], link["hreflang"]) == ("English", "en")
    assert edition.language_link("search", "zh_CN", "book/intro")["href"] == (
        "../search.html"
    )
    # a page only the Chinese edition has links to the English first page
    link = edition.language_link("book/glossary_zh", "zh_CN", "book/intro")
    assert link["href"] == "../../book/intro.html"


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
