"""Sphinx extension (listed in _config.yml): the website works with no
internet.

1. MathJax is served from the site itself. Its files come from the npm package
   ``mathjax`` (version and checksum pinned below), fetched once with ``npm
   pack`` into ``_build/vendor/`` and reused by later builds; the build copies
   them to ``_static/mathjax/`` and points Sphinx's ``mathjax_path`` there.
2. No page loads a script, style sheet, image or frame from another host: any
   such reference in a page's head or body is a build warning, which
   ``--warningiserror`` turns into an error.
3. A script or style sheet registered twice is written once. Under Sphinx 7 the
   extensions that Jupyter Book brings add some of theirs twice; sphinx-thebe's
   second ``const THEBE_JS_URL`` then throws a SyntaxError in every page.

4. The explorers of chapters 1-3 run live from the page itself, with no
   widget manager: a page whose notebook carries widget state (the
   explorers' models, kept by tools/run_notebooks.py) gets that state and the
   site's own loader, ``site_js/explorers.js`` (``nb_ipywidgets_js`` in
   _config.yml), which runs each explorer's stored front end. ``site_js/`` is
   added to the static files here, not as the book's ``_static/``, whose every
   script Jupyter Book would add to every page. A page whose widget state
   holds a widget that this loader cannot run is a build warning. Pages
   without widget state load no widget JavaScript at all.

Run it alone to fetch MathJax ahead of a build:

    python tools/offline_site.py [BUILD_DIR]
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

MATHJAX = "mathjax@3.2.2"
# npm's dist.integrity of that tarball (npm view mathjax@3.2.2 dist.integrity);
# checked again here.
MATHJAX_INTEGRITY = (
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/"
    "O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
MATHJAX_ENTRY = "tex-mml-chtml.js"
# What tex-mml-chtml.js loads on demand, relative to its own folder: TeX
# packages named in a formula (autoload), MathML entities, the CommonHTML
# fonts, the context menu and its accessibility tools.
MATHJAX_FOLDERS = (
    "a11y/",
    "input/tex/extensions/",
    "input/mml/",
    "output/chtml/",
    "ui/",
    "sre/",
)

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The site's own JavaScript (the explorers' loader), served from _static/.
SITE_JS = Path(__file__).resolve().parent.parent / "site_js"
# Widget models the loader runs: the explorers (anywidget), and the layout
# model every DOM widget refers to (unused on the page).
RUNNABLE = {"anywidget", "@jupyter-widgets/base"}
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
REMOTE_IN_BODY = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\s(?:src|href|srcset)\s*=\s*[\"']?"
    r"((?:https?:)?//[^\"'\s>]+)",
    re.I,
)


def _sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def vendor_mathjax(build_dir: Path) -> Path:
    """Make sure ``build_dir/vendor/<MATHJAX>/mathjax/`` holds MathJax's
    browser files; return the folder that contains ``mathjax/`` (a Sphinx
    static path). Fetches only when it is not there yet."""
    target = build_dir / "vendor" / MATHJAX.replace("@", "-")
    if (target / "mathjax" / MATHJAX_ENTRY).is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "The website serves MathJax itself, from the npm package "
            f"{MATHJAX}, but npm is not installed: install Node.js (which "
            "brings npm) and build again."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        dir=target.parent, prefix=".partial-"
    ) as tmp:
        tmp = Path(tmp)
        # --prefer-offline: reuse npm's cache when it has the tarball, so
        # rebuilds need no network.
        run = subprocess.run(
            [
                npm,
                "pack",
                MATHJAX,
                "--prefer-offline",
                "--silent",
                "--pack-destination",
                str(tmp),
            ],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        tarballs = list(tmp.glob("*.tgz"))
        if run.returncode != 0 or len(tarballs) != 1:
            raise RuntimeError(
                f"npm pack {MATHJAX} failed ({run.returncode}): "
                f"{run.stderr.strip()[-800:]}"
            )
        data = tarballs[0].read_bytes()
        if _sri(data) != MATHJAX_INTEGRITY:
            raise RuntimeError(
                f"{tarballs[0].name} does not have the pinned checksum of "
                f"{MATHJAX}"
            )
        out = tmp / "site" / "mathjax"
        with tarfile.open(tarballs[0]) as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("package/es5/")
                if (
                    member.isfile()
                    and name != member.name
                    and (
                        name == MATHJAX_ENTRY
                        or name.startswith(MATHJAX_FOLDERS)
                    )
                ):
                    member.name = name
                    tar.extract(member, out, filter="data")
        if not (out / MATHJAX_ENTRY).is_file():
            raise RuntimeError(
                f"{tarballs[0].name} has no es5/{MATHJAX_ENTRY}"
            )
        if (
            target.exists()
        ):  # a half-copied folder from an interrupted older build
            shutil.rmtree(target)
        (tmp / "site").rename(target)
    return target


def _use_local_mathjax(app, config) -> None:
    static = vendor_mathjax(Path(app.outdir).parent)
    config.html_static_path = [
        *config.html_static_path,
        str(static),
        str(SITE_JS),
    ]
    # relative: inside the site's _static folder
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"


def _asset_key(asset) -> tuple:
    attributes = getattr(asset, "attributes", {}) or {}
    # an inline script's filename is '' or None
    filename = getattr(asset, "filename", asset) or ""
    return str(filename), tuple(
        sorted((k, str(v)) for k, v in attributes.items())
    )


def _drop_duplicate_assets(context) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            first = {}  # in order, the first asset of each key
            for asset in context[key]:
                first.setdefault(_asset_key(asset), asset)
            context[key] = list(first.values())


def _check_page_assets(app, pagename, templatename, context, doctree) -> None:
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    _drop_duplicate_assets(context)
    states = [
        a
        for a in context.get("script_files", ())
        if (getattr(a, "attributes", None) or {}).get("type") == WIDGET_STATE
    ]
    if not app.config.nb_ipywidgets_js and states:
        # no script to read it: dead weight
        context["script_files"] = [
            a for a in context["script_files"] if a not in states
        ]
    for state in states if app.config.nb_ipywidgets_js else ():
        models = json.loads(state.attributes.get("body") or "{}")
        for model in (models.get("state") or {}).values():
            if model.get("model_module") not in RUNNABLE:
                logger.warning(
                    f"page carries the state of a {model.get('model_name')} "
                    f"widget ({model.get('model_module')}), which the site "
                    "cannot run: only the book's explorers (anywidget) run "
                    "live here (see tools/run_notebooks.py)",
                    location=pagename,
                )
    remote = [
        str(getattr(f, "filename", f))
        for f in [
            *context.get("script_files", ()),
            *context.get("css_files", ()),
        ]
    ]
    remote = [f for f in remote if REMOTE.match(f)]
    remote += [
        m.group(2) for m in REMOTE_IN_BODY.finditer(context.get("body") or "")
    ]
    for url in dict.fromkeys(remote):
        logger.warning(
            f"page loads {url} from another host: the website must work "
            "offline; serve it from the site itself (see "
            "tools/offline_site.py)",
            location=pagename,
        )


def setup(app):
    # The book's other extensions in tools/: the width of code on the pages,
    # the benchmark tables of the appendix.
    app.setup_extension("code_width")
    app.setup_extension("benchmark_table")
    app.connect("config-inited", _use_local_mathjax)
    # late (the default is 500), so that the page's final lists of scripts and
    # styles are the ones seen
    app.connect("html-page-context", _check_page_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    build = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "_build"
    )
    print(vendor_mathjax(build) / "mathjax" / MATHJAX_ENTRY)
