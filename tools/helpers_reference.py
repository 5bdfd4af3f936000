"""Sphinx extension (listed in _config.yml) for the reference page of the
``helpers`` package.

- A name that ``helpers`` re-exports resolves to where it is documented:
  ``helpers.set_seed`` links to ``helpers.config.set_seed``, the way notebooks
  and docstrings spell it.
- Every module of the package must be on the reference page
  (book/helpers_reference.md): a module that is missing is a build warning, so
  a new module cannot go undocumented.
"""

from __future__ import annotations

import importlib
import pkgutil

PACKAGE = "helpers"


def _documented_target(target: str) -> str | None:
    """``helpers.set_seed`` -> ``helpers.config.set_seed``: where a re-exported
    object is defined."""
    module_name, _, attr = target.rpartition(".")
    if not module_name.startswith(PACKAGE):
        return None
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        return None
    where = (
        f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    )
    return (
        where if where != target and where.startswith(PACKAGE + ".") else None
    )


def _resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = _documented_target(node.get("reftarget", ""))
    if target is None:
        return None
    return env.get_domain("py").resolve_xref(
        env,
        node["refdoc"],
        app.builder,
        node["reftype"],
        target,
        node,
        contnode,
    )


def _check_every_module_documented(app, env) -> None:
    from sphinx.util import logging

    package = importlib.import_module(PACKAGE)
    names = [PACKAGE] + [
        m.name
        for m in pkgutil.walk_packages(package.__path__, PACKAGE + ".")
        if not m.name.rpartition(".")[2].startswith("_")
    ]
    documented = env.get_domain("py").modules
    for name in names:
        if name not in documented:
            logging.getLogger(__name__).warning(
                f"module {name} is not on the reference page: add an "
                "automodule for it to book/helpers_reference.md"
            )


def setup(app):
    app.connect("missing-reference", _resolve_reexport)
    app.connect("env-check-consistency", _check_every_module_documented)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
