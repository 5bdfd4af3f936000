"""Sphinx extension (listed in _config.yml): the book's two editions, English
at the site's root and Chinese (简体中文) under ``/zh/`` (tools/locales.py).

1. Every page links to the same page in the other edition (in the header,
   and ``<link rel=alternate hreflang=...>``); a page that only one edition
   has links to the other's first page.
2. The Chinese search index needs jieba to split words out of the text.
3. Sphinx parses a translated paragraph apart from its page, where myst-nb's
   ``{glue:text}`key``` finds no glued values: there it reads them as
   myst-nb reads another page's (``page.ipynb::key``). A glued value is a
   number, a label or one of ``helpers.glue.PHRASES``, which a translated
   build shows in its language (catalogue ``_book``).
"""

from __future__ import annotations

import functools
import gettext
import logging
from pathlib import Path

import yaml
from docutils import nodes
from myst_nb.ext.glue.roles import PasteTextRole
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT = Path(__file__).resolve().parent.parent
# language: (folder of the site, name of the edition in its language)
EDITIONS = {"en": ("", "English"), "zh_CN": ("zh/", "简体中文")}
# Sphinx's own pages, which every edition has.
SPECIAL_PAGES = {"genindex", "search", "py-modindex"}
PHRASES_CATALOGUE = "_book"  # see tools/locales.py
TEMPLATES = ROOT / "tools" / "templates"  # language-link.html


def _language(config) -> str:
    return config.language if config.language in EDITIONS else "en"


@functools.cache
def english_pages() -> frozenset[str]:
    """The pages of the English edition: those of _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = [c["file"] for p in toc["parts"] for c in p["chapters"]]
    return frozenset([toc["root"], *chapters, *SPECIAL_PAGES])


def language_link(pagename: str, language: str, root_doc: str) -> dict:
    """Where a page's link to the other edition points, relative to the
    page, and how it is labelled."""
    other = "zh_CN" if language == "en" else "en"
    up = "../" * pagename.count("/")
    if language != "en":
        up += "../" * EDITIONS[language][0].count("/")
    only_here = other == "en" and pagename not in english_pages()
    target = root_doc if only_here else pagename
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


def _header_and_search(app, config):
    buttons = ["language-link.html", "article-header-buttons.html"]
    config.html_theme_options["article_header_end"] = buttons
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    if _language(config) != "en":
        import jieba  # requirements-dev.txt; splits the words to index

        jieba.setLogLevel(logging.WARNING)


class GlueText(PasteTextRole):
    """myst-nb's ``{glue:text}``, which in a translated paragraph (parsed
    apart from its page) reads the values of the page's own notebook."""

    def run(self):
        if "nb_renderer" not in self.document and "::" not in self.text:
            env = self.document.settings.env
            key, _, spec = self.text.partition(":")
            page = Path(env.doc2path(env.docname)).name
            self.text = f"{page}::{key}:{spec or 's'}"
        return super().run()


class GluedPhrases(SphinxPostTransform):
    """In a translated build, each glued phrase in the edition's words."""

    default_priority = 10  # after myst-nb pastes the values (5)

    def run(self, **kwargs):
        if _language(self.config) == "en":
            return
        words = gettext.translation(
            PHRASES_CATALOGUE,
            Path(self.env.srcdir, self.config.locale_dirs[0]),
            [self.config.language],
        )
        for node in self.document.findall(nodes.inline):
            if "pasted-text" in node["classes"]:
                node[:] = [nodes.Text(words.gettext(node.astext()))]


def setup(app):
    app.connect("config-inited", _header_and_search)
    app.connect("html-page-context", _page_context)
    app.add_role_to_domain("glue", "text", GlueText(), override=True)
    app.add_post_transform(GluedPhrases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
