"""Sphinx extension: code on the book's pages is 79 columns wide and shows
whole, with no sideways scrolling (the style sheet is static/code_width.css).
"""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


def _add_static_path(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.add_css_file("code_width.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
