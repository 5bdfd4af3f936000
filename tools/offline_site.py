"""Sphinx extension (listed in _config.yml): the website works with no
internet.

1. MathJax is served from the site itself. Its files come from the npm package
   ``mathjax`` (version and checksum pinned below), fetched once with ``npm
   pack`` into ``_build/vendor/`` and reused by later builds; the build copies
   them to ``_static/mathjax/`` and points Sphinx's ``mathjax_path`` there.
2. No page loads a script, style sheet, image or frame from another host: any
   such reference in a page is a build warning, which ``--warningiserror``
   turns into an error.
3. A script or style sheet registered twice is written once. Under Sphinx 7 the
   extensions that Jupyter Book brings add some of theirs twice; sphinx-thebe's
   second ``const THEBE_JS_URL`` then throws a SyntaxError in every page.
4. The explorers of chapters 1-3 run live from the page itself: a page whose
   notebook carries widget state (the explorers' models, kept by
   tools/run_notebooks.py) loads the site's own loader, ``site_js/
   explorers.js`` (``nb_ipywidgets_js`` in _config.yml), served from
   ``_static/`` (not the book's ``_static/`` folder, whose every script Jupyter
   Book would add to every page).

Run it alone to fetch MathJax ahead of a build:

    python tools/offline_site.py
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "_build" / "vendor"
MATHJAX = "mathjax@3.2.2"
# npm's dist.integrity of that tarball (npm view mathjax@3.2.2 dist.integrity)
MATHJAX_INTEGRITY = (
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/"
    "O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
MATHJAX_ENTRY = "tex-mml-chtml.js"
# What tex-mml-chtml.js loads on demand, relative to its own folder: TeX
# packages named in a formula, MathML entities, the CommonHTML fonts, the
# context menu and its accessibility tools.
MATHJAX_FOLDERS = (
    *("a11y/", "input/tex/extensions/", "input/mml/"),
    *("output/chtml/", "ui/", "sre/"),
)
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
REMOTE_IN_BODY = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?"
    r"\s(?:src|href|srcset)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)",
    re.I,
)
logger = logging.getLogger(__name__)


def vendor_mathjax() -> Path:
    """The folder that holds MathJax's browser files in ``mathjax/`` (a
    Sphinx static path), fetched with npm only if it is not there yet."""
    target = VENDOR / MATHJAX.replace("@", "-")
    if (target / "mathjax" / MATHJAX_ENTRY).is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"fetching {MATHJAX} needs npm: install Node.js")
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=VENDOR, prefix=".partial-") as tmp:
        tmp = Path(tmp)
        # --prefer-offline: npm's cache, when it has the tarball
        subprocess.run(
            [npm, "pack", MATHJAX, "--prefer-offline", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        (tarball,) = tmp.glob("*.tgz")
        digest = hashlib.sha512(tarball.read_bytes()).digest()
        if "sha512-" + base64.b64encode(digest).decode() != MATHJAX_INTEGRITY:
            raise RuntimeError(f"{tarball.name} is not the pinned {MATHJAX}")
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("package/es5/")
                wanted = name == MATHJAX_ENTRY or name.startswith(
                    MATHJAX_FOLDERS
                )
                if member.isfile() and name != member.name and wanted:
                    member.name = name
                    tar.extract(
                        member, tmp / "site" / "mathjax", filter="data"
                    )
        shutil.rmtree(target, ignore_errors=True)  # an interrupted copy
        (tmp / "site").rename(target)
    return target


def _static_files(app, config) -> None:
    config.html_static_path += [str(vendor_mathjax()), str(ROOT / "site_js")]
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"  # in _static


def _check_page(app, pagename, templatename, context, doctree) -> None:
    files = []  # each script and style sheet, the first of equal ones
    for key in ("script_files", "css_files"):
        first = {}
        for asset in context.get(key, ()):
            attributes = getattr(asset, "attributes", None) or {}
            name = str(getattr(asset, "filename", asset) or "")  # inline: ''
            first.setdefault((name, repr(sorted(attributes.items()))), asset)
        context[key] = list(first.values())
        files += [name for name, _ in first]
    remote = [f for f in files if REMOTE.match(f)]
    remote += REMOTE_IN_BODY.findall(context.get("body") or "")
    for url in dict.fromkeys(remote):
        logger.warning(
            f"page loads {url} from another host: the website must work "
            "offline (see tools/offline_site.py)",
            location=pagename,
        )


def setup(app):
    app.setup_extension("benchmark_table")  # the appendix's tables
    app.connect("config-inited", _static_files)
    # late (the default is 500): the page's final scripts and styles
    app.connect("html-page-context", _check_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    print(vendor_mathjax() / "mathjax" / MATHJAX_ENTRY)
