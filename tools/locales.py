"""The Chinese edition (简体中文): one set of notebooks, the prose translated.

Sphinx's gettext workflow, through Jupyter Book 1:

    python tools/locales.py update     # make locales: refresh the catalogues
    python tools/locales.py coverage   # translation coverage per page
    python tools/locales.py check [PO ...]  # a translation's markup
    python tools/locales.py build      # make book: the Chinese site, /zh/

``update`` extracts every message of the English book (the markdown cells of
the notebooks, the ``book/`` pages, the docstrings on the reference page) into
one ``.pot`` per page, plus ``_toc.pot`` for the book's title and author
and the part captions of ``_toc.yml`` (which Sphinx never sees as text), and
merges them into ``locales/zh_CN/LC_MESSAGES/<page>.po`` with sphinx-intl: a
message whose English changed becomes fuzzy (with its old translation), one
that disappeared is dropped. The sentences a notebook computed and glued into
its prose are messages of its page too.
Code cells and their outputs are not messages; both editions show the same.

``coverage`` compares the catalogues with a fresh extraction and fails unless
every page is translated in full, with nothing fuzzy, obsolete or missing.

``build`` compiles the catalogues (fuzzy entries are never compiled, so never
shown) into ``_build/zh/locales``, never into the source tree, writes the
Chinese table of contents (the translated captions, plus the glossary page
that only this edition has) and builds the site into ``_build/html/zh`` from
the same notebooks and ``_config.yml``, with ``language`` set to ``zh_CN``.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib
import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
LOCALES = ROOT / "locales"
CATALOGUES = LOCALES / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"
POT_DIR = BUILD / "gettext"
ZH_BUILD = BUILD / "zh"
ZH_SITE = BUILD / "html" / "zh"
TOC = ROOT / "_toc.yml"
CONFIG = ROOT / "_config.yml"
# Pages that only the Chinese edition has: written in Chinese, no catalogue.
ZH_ONLY = {"Appendix": ["book/glossary_zh"]}
TOC_CATALOGUE = "_toc"  # the title, the author and the part captions
TRANSLATORS = "The translators of the Chinese edition"

# How the compiled catalogues differ from the committed ones (see
# compile_catalogues): Sphinx parses a translated message on its own, with the
# parser of its page, outside the page itself.
#
# A glue role in a page's prose names a key of that page; the compiled message
# names the page as well, {glue:text}`key` becoming
# {glue:text}`04_lenet.ipynb::key:s` (the role then needs the format).
GLUE_ROLE = re.compile(r"\{(glue|glue:text)\}`(?![^`]*::)([^`]+)`")
# {glue:md} reads its value from the page being parsed, which a translated
# message is not: the compiled message holds the glued Markdown itself (in
# its translation), as the page would show it.
GLUE_MD_ROLE = re.compile(r"\{glue:md\}`([^`:]+)(?::\w+)?`")
# A footnote reference in a message is parsed only if the same text defines
# the footnote; Sphinx then links it to the page's own footnote. The compiled
# message gets a definition for each reference it makes.
FOOTNOTE_REF = re.compile(r"(?<!^)(?<!\n)\[\^([^\]\s]+)\]")
# Docstrings are reStructuredText, the reference page is MyST (rst_to_myst).
RST_ROLE = re.compile(r"(?<![\w}]):(\w+(?::\w+)?):`([^`]+)`")
RST_LITERAL = re.compile(r"``([^`]+)``")


# A glued value with a word of two letters or more is a sentence to
# translate ("0.907 to 0.910" would be too); "69.4%" or "0.874" is not.
WORDS = re.compile(r"[A-Za-z]{2,}")


def python_bin(name: str) -> str:
    """A console script of the running Python's environment."""
    return str(Path(sys.executable).with_name(name))


# --- extraction --------------------------------------------------------------


def extract(pot_dir: Path = POT_DIR) -> Path:
    """Write one .pot per page (and _toc.pot) into ``pot_dir``."""
    out = pot_dir.parent / "_gettext_build"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        [
            python_bin("jupyter-book"),
            "build",
            str(ROOT),
            "--builder",
            "custom",
            "--custom-builder",
            "gettext",
            "--path-output",
            str(out),
            "--warningiserror",
            "--quiet",
            "--all",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(pot_dir, ignore_errors=True)
    shutil.move(out / "_build" / "gettext", pot_dir)
    shutil.rmtree(out, ignore_errors=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        pot_path = pot_dir / "notebooks" / f"{notebook.stem}.pot"
        if pot_path.is_file():
            pot = polib.pofile(str(pot_path), wrapwidth=0)
            known = {e.msgid for e in pot}
            for key, text in glued_texts(notebook):
                if text not in known:
                    known.add(text)
                    pot.append(
                        polib.POEntry(
                            msgid=text,
                            msgstr="",
                            comment=f"glued from the run: {key}",
                        )
                    )
            pot.save(str(pot_path))
    toc_pot = polib.POFile()
    toc_pot.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for text in toc_messages():
        toc_pot.append(polib.POEntry(msgid=text, msgstr=""))
    toc_pot.save(str(pot_dir / f"{TOC_CATALOGUE}.pot"))
    return pot_dir


def glued_outputs(notebook: Path):
    """(key, MIME type, value) of each value a notebook glues."""
    for cell in json.loads(notebook.read_text())["cells"]:
        for output in cell.get("outputs", []):
            key = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if key is None:
                continue
            for mime, value in output.get("data", {}).items():
                yield key, mime, "".join(value) if isinstance(
                    value, list
                ) else value


def glued_texts(notebook: Path):
    """(key, text) of each value a notebook glues that has words in it: a
    sentence computed by the run (numbers alone need no translation)."""
    for key, mime, value in glued_outputs(notebook):
        text = glued_text(mime, value)
        if text is not None:
            yield key, text


def glued_text(mime: str, value) -> str | None:
    """The words of one glued output, or None if it is not words."""
    if mime.endswith("text/markdown"):
        text = value
    elif mime.endswith("text/plain"):
        try:
            text = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None
        if not isinstance(text, str):
            return None
    else:
        return None
    return text if WORDS.search(text) else None


def glued_markdown(notebook: Path):
    """(key, text) of each Markdown value a notebook glues."""
    for key, mime, value in glued_outputs(notebook):
        if mime.endswith("text/markdown"):
            yield key, value


def toc_messages() -> list[str]:
    """The book's title and author (set in _config.yml) and the part
    captions of _toc.yml."""
    config = yaml.safe_load(CONFIG.read_text())
    toc = yaml.safe_load(TOC.read_text())
    captions = [p["caption"] for p in toc["parts"]]
    return [config["title"], config["author"], *captions]


def update() -> None:
    """Refresh the committed catalogues from the English book."""
    extract()
    subprocess.run(
        [
            python_bin("sphinx-intl"),
            "update",
            "--pot-dir",
            str(POT_DIR),
            "--locale-dir",
            str(LOCALES),
            "--language",
            LANGUAGE,
            "--line-width",
            "-1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # sphinx-intl writes each message's source locations only if the .pot
    # has them (gettext_location is off in _config.yml); drop the creation
    # date so that an unchanged catalogue stays unchanged in git.
    config = yaml.safe_load(CONFIG.read_text())
    title, repository = config["title"], config["repository"]["url"]
    for path in sorted(CATALOGUES.rglob("*.po")):
        catalogue = polib.pofile(str(path), wrapwidth=0)
        page = path.relative_to(CATALOGUES).with_suffix("").as_posix()
        catalogue.header = f"Simplified Chinese messages of {title}: {page}"
        catalogue.metadata_is_fuzzy = False
        catalogue.metadata.pop("POT-Creation-Date", None)
        catalogue.metadata["Project-Id-Version"] = title
        catalogue.metadata["Report-Msgid-Bugs-To"] = f"{repository}/issues"
        catalogue.metadata["Last-Translator"] = TRANSLATORS
        catalogue.metadata["Language-Team"] = TRANSLATORS
        if catalogue.metadata.get("PO-Revision-Date", "").startswith("YEAR"):
            catalogue.metadata["PO-Revision-Date"] = time.strftime(
                "%Y-%m-%d %H:%M+0000", time.gmtime()
            )
        # A message whose English changed is kept as fuzzy, with its old
        # translation and old English (#| msgid) to start from; a message
        # that disappeared has nothing left to do.
        for entry in catalogue.obsolete_entries():
            catalogue.remove(entry)
        for entry in catalogue:
            # Prose, not format strings: "50 % of" is no "% o".
            entry.flags = [f for f in entry.flags if not f.endswith("format")]
        catalogue.metadata["Language"] = LANGUAGE
        catalogue.save(str(path))


# --- coverage ----------------------------------------------------------------


@dataclass
class Coverage:
    page: str
    messages: int  # messages in the English page
    translated: int  # of them, translated and not fuzzy
    words: int  # English words in the page's messages
    words_translated: int
    fuzzy: list[str]
    missing: list[str]  # in the English page, not in the catalogue
    stale: list[str]  # in the catalogue, not in the English page

    @property
    def complete(self) -> bool:
        return (
            self.translated == self.messages
            and not self.fuzzy
            and not self.missing
            and not self.stale
        )

    @property
    def percent(self) -> float:
        if not self.messages:
            return 100.0
        return 100.0 * self.translated / self.messages


def coverage(pot_dir: Path = POT_DIR) -> list[Coverage]:
    """How far each page's catalogue covers its current English messages."""
    rows = []
    for pot_path in sorted(pot_dir.rglob("*.pot")):
        page = pot_path.relative_to(pot_dir).with_suffix("").as_posix()
        english = {e.msgid for e in polib.pofile(str(pot_path))}
        po_path = CATALOGUES / f"{page}.po"
        entries = polib.pofile(str(po_path)) if po_path.is_file() else []
        live = {e.msgid: e for e in entries if not e.obsolete}
        fuzzy = [m for m, e in live.items() if m in english and e.fuzzy]
        done = [
            m
            for m, e in live.items()
            if m in english and e.msgstr.strip() and not e.fuzzy
        ]
        stale = [m for m in live if m not in english]
        stale += [e.msgid for e in entries if e.obsolete]
        rows.append(
            Coverage(
                page=page,
                messages=len(english),
                translated=len(done),
                words=sum(len(m.split()) for m in english),
                words_translated=sum(len(m.split()) for m in done),
                fuzzy=fuzzy,
                missing=sorted(english - live.keys()),
                stale=stale,
            )
        )
    return rows


def report(rows: list[Coverage]) -> str:
    lines = [
        f"{'page':34} {'messages':>13} {'words':>13} {'%':>6} "
        f"{'fuzzy':>5} {'stale':>5}"
    ]
    for r in rows:
        lines.append(
            f"{r.page:34} {r.translated:>6}/{r.messages:<6} "
            f"{r.words_translated:>6}/{r.words:<6} {r.percent:6.1f} "
            f"{len(r.fuzzy):>5} {len(r.stale):>5}"
        )
    return "\n".join(lines)


# --- markup of a translation ------------------------------------------------

ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
TITLED_ROLE = re.compile(r"^(\{[\w:.-]+\})`[^`<]*<([^`>]+)>`$")
CODE = re.compile(r"``.+?``|`[^`]+`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>")
SUBSTITUTION = re.compile(r"\{\{[^}]+\}\}")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
NUMBERED_TITLE = re.compile(r"^\d+\.\s")


def markup(text: str) -> list[str]:
    """What a translation must keep of a message, sorted: roles (glue,
    benchmark, cross-references), inline code, math, footnote references,
    link targets and substitutions."""
    found = []
    rest = text
    # a role's title may be translated: {doc}`the set-up <how_to_run>`
    found += [TITLED_ROLE.sub(r"\1`<\2>`", r) for r in ROLE.findall(rest)]
    rest = ROLE.sub(" ", rest)
    for pattern in (SUBSTITUTION, MATH, CODE):
        found += pattern.findall(rest)
        rest = pattern.sub(" ", rest)
    found += [f"[^{x}]" for x in FOOTNOTE_REF.findall(rest)]
    found += ["".join(m) for m in LINK_TARGET.findall(rest)]
    return sorted(found)


def problems(entry: polib.POEntry) -> list[str]:
    """What is wrong with one translated message (empty if nothing)."""
    if not entry.msgstr or entry.obsolete:
        return []
    found = []
    want, got = markup(entry.msgid), markup(entry.msgstr)
    if want != got:
        lost = list((Counter(want) - Counter(got)).elements())
        extra = list((Counter(got) - Counter(want)).elements())
        found.append(f"markup differs: lost {lost}, added {extra}")
    if NUMBERED_TITLE.match(entry.msgid) and not re.match(
        r"^\d+\\\.\s", entry.msgstr
    ):
        found.append(r"a numbered title must start 'N\. ' (escaped dot)")
    if NUMBERED_TITLE.match(entry.msgstr):
        found.append(r"'N. ' at the start makes a list: write 'N\. '")
    return found


def number_warnings(entry: polib.POEntry) -> list[str]:
    """Numbers of the English that the translation does not show."""
    plain = ROLE.sub(" ", entry.msgid)
    have = {n.replace(",", "") for n in NUMBER.findall(entry.msgstr)}
    return [
        n for n in NUMBER.findall(plain) if n.replace(",", "") not in have
    ]


def check(paths: list[Path]) -> int:
    """Print the problems of the given catalogues; the number of problems."""
    count = 0
    for path in paths:
        for entry in polib.pofile(str(path)):
            for problem in problems(entry):
                count += 1
                print(f"{path.name}: {problem}\n    {entry.msgid[:100]!r}")
            missing = number_warnings(entry) if entry.msgstr else []
            if missing:
                print(
                    f"{path.name}: (warning) numbers not in the translation:"
                    f" {missing}\n    {entry.msgid[:100]!r}"
                )
    return count


# --- the Chinese site --------------------------------------------------------


def compile_catalogues(dest: Path) -> None:
    """Compile every catalogue into ``dest`` (fuzzy entries left out)."""
    shutil.rmtree(dest, ignore_errors=True)
    for path in sorted(CATALOGUES.rglob("*.po")):
        page = path.relative_to(CATALOGUES).with_suffix("")
        catalogue = polib.pofile(str(path))
        catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        notebook = (ROOT / page).with_suffix(".ipynb")
        if notebook.is_file():
            resolve_glue(catalogue, notebook)
        for entry in catalogue:
            entry.msgstr = rst_to_myst(entry.msgstr)
            labels = dict.fromkeys(FOOTNOTE_REF.findall(entry.msgstr))
            if labels and not entry.fuzzy:
                entry.msgstr += "".join(f"\n\n[^{x}]: {x}" for x in labels)
        out = dest / LANGUAGE / "LC_MESSAGES" / page.with_suffix(".mo")
        out.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save_as_mofile(str(out))


def resolve_glue(catalogue: polib.POFile, notebook: Path) -> None:
    """Rewrite the glue roles of a notebook's translated messages (see
    GLUE_ROLE and GLUE_MD_ROLE)."""
    words = translated(catalogue)
    markdown = {
        key: words.get(text, text) for key, text in glued_markdown(notebook)
    }

    def pasted(match: re.Match) -> str:
        return markdown.get(match.group(1), match.group(0))

    for entry in catalogue:
        entry.msgstr = GLUE_ROLE.sub(
            lambda m: qualified_glue(m, notebook.name), entry.msgstr
        )
        entry.msgstr = GLUE_MD_ROLE.sub(pasted, entry.msgstr)


def rst_to_myst(text: str) -> str:
    """A docstring's reStructuredText inline markup in MyST's words.

    Sphinx parses a translated message with the parser of the page it is on,
    and the reference page is MyST, while the docstrings autodoc puts on it
    are reStructuredText: ``:func:`x``` becomes ``{func}`x```, a double
    backtick literal a single one, and an escaped space (reST's way to join
    markup to the next character) goes."""
    text = RST_ROLE.sub(r"{\1}`\2`", text)
    text = RST_LITERAL.sub(r"`\1`", text)
    return text.replace("\\ ", "")


def qualified_glue(match: re.Match, notebook: str) -> str:
    """``{glue:text}`key``` as ``{glue:text}`notebook::key:s```: the role
    reads the text after its last colon as the format, so a qualified key
    needs one (``s`` is the role's own default)."""
    role, key = match.groups()
    if role == "glue:text" and ":" not in key:
        key += ":s"
    return f"{{{role}}}`{notebook}::{key}`"


def translated(catalogue) -> dict[str, str]:
    """English -> translation of a catalogue's entries that are shown: not
    empty, fuzzy or obsolete."""
    return {
        e.msgid: e.msgstr
        for e in catalogue
        if e.msgstr and not e.fuzzy and not e.obsolete
    }


def translations(name: str) -> dict[str, str]:
    """``translated`` of the committed catalogue ``name`` (none: {})."""
    path = CATALOGUES / f"{name}.po"
    return translated(polib.pofile(str(path))) if path.is_file() else {}


def chinese_toc(dest: Path) -> Path:
    """_toc.yml with the captions translated and the Chinese-only pages."""
    toc = yaml.safe_load(TOC.read_text())
    words = translations(TOC_CATALOGUE)
    for part in toc["parts"]:
        english = part["caption"]
        part["caption"] = words.get(english, english)
        part["chapters"] += [{"file": f} for f in ZH_ONLY.get(english, [])]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False))
    return dest


def build(quiet: bool = True) -> None:
    from jupyter_book.sphinx import build_sphinx

    config = yaml.safe_load(CONFIG.read_text())
    compile_catalogues(ZH_BUILD / "locales")
    toc = chinese_toc(ZH_BUILD / "_toc.yml")
    words = translations(TOC_CATALOGUE)
    title = words.get(config["title"], config["title"])
    author = words.get(config["author"], config["author"])
    shutil.rmtree(ZH_SITE, ignore_errors=True)
    result = build_sphinx(
        ROOT,
        ZH_SITE,
        doctreedir=ZH_BUILD / ".doctrees",
        noconfig=True,
        path_config=str(CONFIG),
        confoverrides={
            "external_toc_path": toc.as_posix(),
            "language": LANGUAGE,
            "locale_dirs": [str(ZH_BUILD / "locales")],
            "gettext_auto_build": False,
            "html_title": title,
            "author": author,
            "html_search_language": "zh",
            "nitpicky": True,
            "latex_individualpages": False,
        },
        warningiserror=True,
        keep_going=True,
        freshenv=True,
        quiet=quiet,
    )
    if result:
        raise SystemExit(f"the Chinese edition did not build ({result})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", choices=["update", "coverage", "check", "build"]
    )
    parser.add_argument(
        "catalogues", nargs="*", type=Path, help="for check (default: all)"
    )
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
        print(report(coverage()))
    elif args.command == "coverage":
        rows = coverage(extract())
        print(report(rows))
        incomplete = [r.page for r in rows if not r.complete]
        if incomplete:
            print("incomplete:", ", ".join(incomplete))
            return 1
    elif args.command == "check":
        paths = args.catalogues or sorted(CATALOGUES.rglob("*.po"))
        if check(paths):
            return 1
    else:
        build()
    return 0


if __name__ == "__main__":
    sys.exit(main())
