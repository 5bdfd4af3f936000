"""The Chinese edition (简体中文): one set of notebooks, the prose translated
through Sphinx's gettext catalogues, one per page.

    python tools/locales.py update     # make locales: refresh the catalogues
    python tools/locales.py coverage   # fails unless all is translated
    python tools/locales.py check [PO ...]  # a translation's markup
    python tools/locales.py build      # make book: the Chinese site, /zh/

``update`` extracts the English messages (markdown cells, ``book/`` pages,
the docstrings of the reference page; not code or outputs) with Sphinx's
gettext builder, plus ``_book``: the title, author and part captions, and
every phrase a notebook may glue (``helpers.glue.PHRASES``, whichever a run
chose). sphinx-intl merges them into ``locales/zh_CN/LC_MESSAGES``: changed
English becomes fuzzy, with its old translation; a message that went is
dropped.

``build`` compiles the catalogues, fuzzy entries left out, and builds the
site with Jupyter Book into ``_build/html/zh`` from the same notebooks, with
``_config.yml`` and ``_toc.yml`` in Chinese (``language``, title, author,
captions, and the glossary that only this edition has). MyST parses a
footnote reference only where its footnote is defined: each compiled message
that refers to one gets a definition, which Sphinx links to the page's own.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib
import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
CATALOGUES = ROOT / "locales" / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"
POT_DIR = BUILD / "gettext"
ZH_BUILD = BUILD / "zh"
ZH_SITE = BUILD / "html" / "zh"
# Pages that only the Chinese edition has: written in Chinese, no catalogue.
ZH_ONLY = {"Appendix": ["book/glossary_zh"]}
BOOK_CATALOGUE = "_book"  # title, author, captions and glued phrases
FOOTNOTE_REF = re.compile(r"(?<!^)(?<!\n)\[\^([^\]\s]+)\]")


def python_bin(name: str) -> str:  # a console script of this environment
    return str(Path(sys.executable).with_name(name))


def jupyter_book(out: Path, *options: str) -> None:
    """Build the book into ``out/_build`` (warnings are errors)."""
    command = [python_bin("jupyter-book"), "build", ".", "--path-output"]
    command += [str(out), "--warningiserror", "--quiet", "--all", *options]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def book_messages() -> list[str]:
    """The messages of ``_book``: the title and author of _config.yml, the
    part captions of _toc.yml and the phrases of helpers.glue."""
    from helpers.glue import PHRASES

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    captions = [p["caption"] for p in toc["parts"]]
    phrases = [p for group in PHRASES.values() for p in group]
    return list(
        dict.fromkeys([config["title"], config["author"], *captions, *phrases])
    )


def extract(pot_dir: Path = POT_DIR) -> Path:
    """Write one .pot per page (and _book.pot) into ``pot_dir``."""
    out = pot_dir.parent / "_gettext_build"
    shutil.rmtree(out, ignore_errors=True)
    jupyter_book(out, "--builder", "custom", "--custom-builder", "gettext")
    shutil.rmtree(pot_dir, ignore_errors=True)
    shutil.move(out / "_build" / "gettext", pot_dir)
    shutil.rmtree(out)
    pot = polib.POFile()
    pot.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    pot.extend(polib.POEntry(msgid=m) for m in book_messages())
    pot.save(str(pot_dir / f"{BOOK_CATALOGUE}.pot"))
    return pot_dir


def update() -> Path:
    """Refresh the committed catalogues from the English book; the folder
    of the .pot files."""
    extract()
    intl = [python_bin("sphinx-intl"), "update", "--pot-dir", str(POT_DIR)]
    intl += ["--locale-dir", str(ROOT / "locales"), "--language", LANGUAGE]
    intl += ["--line-width", "-1"]
    subprocess.run(intl, check=True, stdout=subprocess.DEVNULL)
    for path in sorted(CATALOGUES.rglob("*.po")):
        catalogue = polib.pofile(str(path), wrapwidth=0)
        # no creation date: an unchanged catalogue stays unchanged in git
        catalogue.metadata.pop("POT-Creation-Date", None)
        for entry in catalogue.obsolete_entries():  # messages that went
            catalogue.remove(entry)
        for entry in catalogue:  # prose, not format strings: "50 % of"
            entry.flags = [f for f in entry.flags if not f.endswith("format")]
        catalogue.save(str(path))
    return POT_DIR


# --- coverage and markup -----------------------------------------------------


@dataclass
class Coverage:
    page: str
    messages: int  # messages in the English page
    translated: int  # of them, translated and not fuzzy
    fuzzy: list[str]
    missing: list[str]  # in the English page, not in the catalogue
    stale: list[str]  # in the catalogue, not in the English page

    @property
    def complete(self) -> bool:
        return self.translated == self.messages and not self.stale


def coverage(pot_dir: Path = POT_DIR) -> list[Coverage]:
    """How far each page's catalogue covers its current English messages."""
    rows = []
    for pot_path in sorted(pot_dir.rglob("*.pot")):
        page = pot_path.relative_to(pot_dir).with_suffix("").as_posix()
        english = {e.msgid for e in polib.pofile(str(pot_path))}
        po_path = CATALOGUES / f"{page}.po"
        entries = polib.pofile(str(po_path)) if po_path.is_file() else []
        live = {e.msgid: e for e in entries if not e.obsolete}
        fuzzy = [m for m in english & live.keys() if live[m].fuzzy]
        done = [
            m for m in english & live.keys() - set(fuzzy) if live[m].msgstr
        ]
        stale = [
            e.msgid for e in entries if e.obsolete or e.msgid not in english
        ]
        missing = sorted(english - live.keys())
        rows.append(
            Coverage(page, len(english), len(done), fuzzy, missing, stale)
        )
    return rows


def report(rows: list[Coverage]) -> str:
    lines = [f"{'page':34} {'messages':>13} {'%':>6} fuzzy stale"]
    for r in rows:
        percent = 100 * r.translated / r.messages if r.messages else 100
        lines.append(
            f"{r.page:34} {r.translated:>6}/{r.messages:<6} {percent:6.1f} "
            f"{len(r.fuzzy):>5} {len(r.stale):>5}"
        )
    return "\n".join(lines)


ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
TITLED_ROLE = re.compile(r"^(\{[\w:.-]+\})`[^`<]*<([^`>]+)>`$")
CODE = re.compile(r"``.+?``|`[^`]+`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>")
SUBSTITUTION = re.compile(r"\{\{[^}]+\}\}")
NUMBERED_TITLE = re.compile(r"^\d+\.\s")


def markup(text: str) -> list[str]:
    """What a translation must keep of a message, sorted: roles (glue,
    benchmark, cross-references), inline code, math, footnote references,
    link targets and substitutions."""
    # a role's title may be translated: {doc}`the set-up <how_to_run>`
    found = [TITLED_ROLE.sub(r"\1`<\2>`", r) for r in ROLE.findall(text)]
    rest = ROLE.sub(" ", text)
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
    want, got = Counter(markup(entry.msgid)), Counter(markup(entry.msgstr))
    if want != got:
        found.append(
            f"markup lost {dict(want - got)}, added {dict(got - want)}"
        )
    if NUMBERED_TITLE.match(entry.msgid) and not re.match(
        r"^\d+\\\.\s", entry.msgstr
    ):
        found.append(r"a numbered title must start 'N\. ' (escaped dot)")
    if NUMBERED_TITLE.match(entry.msgstr):
        found.append(r"'N. ' at the start makes a list: write 'N\. '")
    return found


def check(paths: list[Path]) -> int:
    """Print the problems of the given catalogues; the number of problems."""
    found = [
        f"{path.name}: {problem}\n    {entry.msgid[:100]!r}"
        for path in paths
        for entry in polib.pofile(str(path))
        for problem in problems(entry)
    ]
    print("\n".join(found))
    return len(found)


# --- the Chinese site --------------------------------------------------------


def compile_catalogues(dest: Path) -> None:
    """Compile every catalogue into ``dest`` (fuzzy entries left out), each
    footnote reference with a definition to parse (see above)."""
    shutil.rmtree(dest, ignore_errors=True)
    for path in sorted(CATALOGUES.rglob("*.po")):
        catalogue = polib.pofile(str(path))
        for entry in catalogue:
            labels = dict.fromkeys(FOOTNOTE_REF.findall(entry.msgstr))
            entry.msgstr += "".join(f"\n\n[^{x}]: {x}" for x in labels)
        out = dest / LANGUAGE / "LC_MESSAGES" / path.relative_to(CATALOGUES)
        out.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save_as_mofile(str(out.with_suffix(".mo")))


def chinese_edition(dest: Path) -> tuple[Path, Path]:
    """_config.yml and _toc.yml of the Chinese edition, written into
    ``dest``: its language and catalogues, the title, author and captions
    translated, and the pages that only this edition has."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    catalogue = polib.pofile(str(CATALOGUES / f"{BOOK_CATALOGUE}.po"))
    words = {e.msgid: e.msgstr for e in catalogue.translated_entries()}
    for part in toc["parts"]:
        part["chapters"] += [
            {"file": f} for f in ZH_ONLY.get(part["caption"], [])
        ]
    for entry, key in [(config, "title"), (config, "author")] + [
        (part, "caption") for part in toc["parts"]
    ]:
        entry[key] = words.get(entry[key], entry[key])
    extensions = config["sphinx"][
        "local_extensions"
    ]  # from _config.yml's folder
    for name, path in extensions.items():
        extensions[name] = os.path.relpath(ROOT / path, dest)
    config["sphinx"]["config"].update(
        language=LANGUAGE,
        locale_dirs=[os.path.relpath(dest / "locales", ROOT)],
        gettext_auto_build=False,
        html_search_language="zh",
    )
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in [("_config.yml", config), ("_toc.yml", toc)]:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (dest / name).write_text(text)
    return dest / "_config.yml", dest / "_toc.yml"


def build() -> None:
    compile_catalogues(ZH_BUILD / "locales")
    config, toc = chinese_edition(ZH_BUILD)
    options = ["--config", str(config), "--toc", str(toc)]
    jupyter_book(ZH_BUILD, *options, "--nitpick", "--keep-going")
    shutil.rmtree(ZH_SITE, ignore_errors=True)
    shutil.move(ZH_BUILD / "_build" / "html", ZH_SITE)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", choices=["update", "coverage", "check", "build"]
    )
    parser.add_argument("catalogues", nargs="*", type=Path, help="for check")
    args = parser.parse_args(argv)
    if args.command == "build":
        build()
    elif args.command == "check":
        return int(bool(check(args.catalogues or CATALOGUES.rglob("*.po"))))
    else:
        rows = coverage(extract() if args.command == "coverage" else update())
        print(report(rows))
        return int(
            args.command == "coverage" and not all(r.complete for r in rows)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
