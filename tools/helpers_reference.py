"""Sphinx extension (listed in _config.yml) for the reference page of the
``helpers`` package (book/helpers_reference.rst): a name that ``helpers``
re-exports resolves to where it is documented, ``helpers.set_seed`` to
``helpers.config.set_seed``, the way notebooks and docstrings spell it.
"""

from __future__ import annotations

import importlib


def _documented_target(target: str) -> str | None:
    """``helpers.set_seed`` -> ``helpers.config.set_seed``: where a re-exported
    object is defined (None: not a re-export of helpers)."""
    module_name, _, attr = target.rpartition(".")
    if not module_name.startswith("helpers"):
        return None
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        return None
    where = (
        f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
    )
    return where if where != target and where.startswith("helpers.") else None


def _resolve_reexport(app, env, node, contnode):
    target = _documented_target(node.get("reftarget", ""))
    if node.get("refdomain") != "py" or target is None:
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


def setup(app):
    app.connect("missing-reference", _resolve_reexport)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
