"""Sphinx extension (listed in _config.yml): the book's two editions, English
at the site's root and Chinese (简体中文) under ``/zh/``, built from the same
notebooks (see tools/locales.py).

1. Every page links to the same page in the other edition, in the header next
   to the theme's buttons, and names it in its head (``<link rel=alternate
   hreflang=...>``). A page that only one edition has links to the other
   edition's first page.
2. In the Chinese build, the search index holds Chinese words, which jieba
   splits out of the text (a build without jieba stops with an error).
3. In a translated build, the sentences a notebook computed and glued into
   its prose (``{glue:text}`` or ``{glue:md}`` of words, not numbers) are
   translated through the page's catalogue before the page is parsed, so
   that a translated paragraph does not quote English. The notebook's stored
   outputs are not changed; only this build's reading of them.
"""

from __future__ import annotations

import functools
import gettext
import json
import logging
from pathlib import Path

import yaml
from sphinx.errors import ExtensionError

from locales import glued_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"  # edition.css
EDITIONS = {
    # language: (folder of the site, name of the edition in its language)
    "en": ("", "English"),
    "zh_CN": ("zh/", "简体中文"),
}
# Sphinx's own pages, which every edition has.
SPECIAL_PAGES = {"genindex", "search", "py-modindex"}


def _language(config) -> str:
    return config.language if config.language in EDITIONS else "en"


@functools.cache
def english_pages() -> frozenset[str]:
    """The pages of the English edition: those of _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = {toc["root"]}
    for part in toc.get("parts", []):
        pages |= {c["file"] for c in part.get("chapters", [])}
    return frozenset(pages | SPECIAL_PAGES)


def language_link(pagename: str, language: str, root_doc: str) -> dict:
    """Where a page's link to the other edition points, relative to the
    page, and how it is labelled."""
    other = "zh_CN" if language == "en" else "en"
    up = "../" * pagename.count("/")
    if language != "en":
        up += "../" * EDITIONS[language][0].count("/")
    target = pagename
    if other == "en" and pagename not in english_pages():
        target = root_doc
    return {
        "href": f"{up}{EDITIONS[other][0]}{target}.html",
        "label": EDITIONS[other][1],
        "hreflang": other.replace("_", "-"),
    }


def _page_context(app, pagename, templatename, context, doctree):
    link = language_link(pagename, _language(app.config), app.config.root_doc)
    context["language_link"] = link
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{link["hreflang"]}" '
        f'href="{link["href"]}" />'
    )


def _theme_options(app, config):
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", ["article-header-buttons.html"])
    end = [end] if isinstance(end, str) else list(end)
    if "language-link.html" not in end:
        end.insert(0, "language-link.html")
    options["article_header_end"] = end
    config.html_theme_options = options
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    if str(STATIC) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(STATIC)]


# --- glued sentences ---------------------------------------------------------


def _catalogue(app, docname: str):
    for folder in app.config.locale_dirs:
        mo = (
            Path(app.srcdir, folder)
            / app.config.language
            / "LC_MESSAGES"
            / f"{docname}.mo"
        )
        if mo.is_file():
            with mo.open("rb") as f:
                return gettext.GNUTranslations(f)
    return None


def translate_glued(notebook: dict, translate) -> int:
    """Translate, in place, the glued outputs of a notebook (as parsed JSON)
    that hold words (``locales.glued_text``, which also put them in the
    catalogue); ``translate(text)`` returns the translation or the text
    itself. Returns how many were translated."""
    count = 0
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if "scrapbook" not in output.get("metadata", {}):
                continue
            data = output.get("data", {})
            for mime, value in data.items():
                value = "".join(value) if isinstance(value, list) else value
                text = glued_text(mime, value)
                translated = text if text is None else translate(text)
                if translated == text:
                    continue
                markdown = mime.endswith("text/markdown")
                data[mime] = translated if markdown else repr(translated)
                count += 1
    return count


def _source_read(app, docname, source):
    if _language(app.config) == "en":
        return
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    catalogue = _catalogue(app, docname)
    if catalogue is None:
        return
    notebook = json.loads(source[0])
    if translate_glued(notebook, catalogue.gettext):
        source[0] = json.dumps(notebook, ensure_ascii=False)


def _chinese_search(app, config):
    """The Chinese search index needs jieba to split text into words (Sphinx
    indexes no Chinese words without it); its progress messages are muted."""
    if _language(config) == "en":
        return
    try:
        import jieba
    except ImportError as err:
        raise ExtensionError(
            "the Chinese edition's search needs jieba (pip install jieba, "
            "which requirements-dev.txt lists)"
        ) from err
    jieba.setLogLevel(logging.WARNING)


def setup(app):
    app.connect("config-inited", _theme_options)
    app.connect("config-inited", _chinese_search)
    app.add_css_file("edition.css")
    app.connect("html-page-context", _page_context)
    app.connect("source-read", _source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
