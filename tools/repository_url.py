"""Sphinx extension (listed in _config.yml): the pages may write
``{{ repository_url }}``.

The repository's address is set once, as ``repository: url:`` in _config.yml
(which Jupyter Book hands to the theme for its GitHub and Colab buttons). This
makes the same address a MyST substitution, so that a page such as
book/how_to_run.md can show the ``git clone`` command without writing the
address again.
"""

from __future__ import annotations


def _add_substitution(app, config) -> None:
    url = (config.html_theme_options or {}).get("repository_url")
    if not url:
        raise RuntimeError(
            "_config.yml sets no repository: url:, which the pages and the "
            "Colab buttons need"
        )
    config.myst_substitutions = {
        **(config.myst_substitutions or {}),
        "repository_url": url.rstrip("/"),
    }


def setup(app):
    app.connect("config-inited", _add_substitution)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
