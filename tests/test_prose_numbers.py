"""Every result that the prose states comes from a run: the markdown of each
chapter notebook and of the benchmarks appendix states no result-like number
that is neither glued nor a marked citation.

Result-like numbers (outside code, math and glued values):

- a percentage: ``12 %``, ``3.5%``;
- an accuracy or a loss, a decimal with two or more decimals: ``0.874``,
  ``2.303`` (``0.01``, ``0.001``: one non-zero digit after zeros, reads as a
  setting such as a learning rate, and is left alone);
- a time in abbreviated units: ``3.2 s``, ``6.8 min``, ``40 ms``;
- a speed-up: ``22×``, ``4.5x``, ``22.9 times`` (``3×3`` is a size, not
  checked).

What passes:

- a glued value: the roles ``{glue}``, ``{glue:}``, ``{glue:text}`` of
  myst-nb, and on the appendix ``{benchmark}`` (tools/benchmark_table.py),
  which quotes the results file a benchmark script wrote;
- a **marked citation**: a number from outside the book's runs (a source
  article, a paper) is cited by a footnote reference later in the same
  sentence, ``the article reports 0.874 after five epochs[^seed001].``, with
  the footnote saying where it comes from (the footnote's own text is not
  checked);
- a setting, not a result, written as code: ``lr=0.01``, ``p=0.3``,
  ``timeout=600``; a mathematical fact written as math: ``$0.25$``;
- a version number: ``torchvision 0.13``.

A chapter that is not glued yet is listed in NOT_YET_GLUED: its test is a
strict xfail, so it fails as soon as the chapter passes, and the entry must
then be removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("0[1-9]*.ipynb"))
APPENDIX = ROOT / "book" / "benchmarks.md"

NOT_YET_GLUED = {name: "prose not yet glued" for name in []}

RESULT = re.compile(
    r"""(?<![\w.])(?:
      \d+(?:[.,]\d+)?\s?%                               # percentage
    | 0\.(?!0+[1-9](?!\.?\d))\d{2,}(?!\.?\d)            # 0.874, not 0.001
    | \d+\.\d{3,}(?!\.?\d)                              # 2.303, 1.008
    | \d+\.\d+\s?(?:ms|s|min)\b(?!-)                     # 3.2 s, 3.2s
    | \d+\s(?:ms|s|min)\b(?!-)                          # 40 ms, not 1990s
    | \d+(?:\.\d+)?\s?×(?!\s?\d)                        # 22×, not 3×3
    | \d+(?:\.\d+)?x\b                                  # 22x, not 3x3
    | \d+\.\d+\s+times\b                                # 22.9 times
    )""",
    re.VERBOSE,
)
GLUED = re.compile(r"\{(?:glue(?::\w*)?|benchmark)\}`[^`]*`")
# not results: a setting such as a learning rate (0.001, 0.05), a version
SETTING = re.compile(r"0\.0*[1-9]")
VERSION = re.compile(
    r"(?i)(?:version|python|torch\w*|numpy|pillow|matplotlib|v)\s*$"
)
FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
CODE_FENCE = re.compile(r"^(```+|~~~+)(.*)$")
# fenced blocks whose content is code or data, not prose
CODE_INFO = re.compile(
    r"^\s*(?:$|[\w+-]+\s*$|\{(?:code|code-block|code-cell|math|"
    r"benchmark-table|glue:figure|glue:math|raw)\})"
)


def prose(markdown: str) -> str:
    """The markdown without code, math, glued values and footnote texts."""
    lines, fence, footnote = [], None, False
    for line in markdown.splitlines():
        m = CODE_FENCE.match(line.strip())
        if fence is not None:
            if (
                m
                and m.group(1)[0] == fence[0][0]
                and len(m.group(1)) >= len(fence[0])
                and not m.group(2).strip()
            ):
                fence = None
            elif fence[1] and not line.lstrip().startswith(":"):
                lines.append(line)  # a directive's content (a note) is prose
            continue
        if m:
            fence = (m.group(1), not CODE_INFO.match(m.group(2)))
            continue
        if re.match(r"\[\^[^\]]+\]:", line):
            footnote = True  # a footnote's own text: the citation itself
            continue
        if footnote and (line.startswith((" ", "\t")) or not line.strip()):
            continue  # the footnote's indented continuation lines
        footnote = False
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"(?<!\\)\$[^$\n]+\$", " ", text)
    text = GLUED.sub(" GLUED ", text)
    text = re.sub(r"\{math\}`[^`]*`", " ", text)
    text = re.sub(r"(`+)(?:(?!\1).)+\1", " ", text)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    return re.sub(r"\]\([^)]*\)", "]", text)  # link targets


def sentences(text: str) -> list[str]:
    """Sentences, and table rows and list items as sentences of their own."""
    out = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+|]|\d+\.)\s)", text):
        out += re.split(r"(?<=[.!?])\s+(?=[A-Z*_(\[])", block)
    return out


def unglued(markdown: str) -> list[str]:
    """Each result-like number that is neither glued nor cited, with its
    sentence."""
    found = []
    for sentence in sentences(prose(markdown)):
        refs = [m.start() for m in FOOTNOTE_REF.finditer(sentence)]
        for m in RESULT.finditer(sentence):
            if SETTING.fullmatch(m.group(0)) or VERSION.search(
                sentence[: m.start()]
            ):
                continue
            if not any(r > m.start() for r in refs):
                context = " ".join(sentence.split())
                found.append(f"{m.group(0)!r} in: {context[:160]}")
    return found


def markdown_of(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )


def cases() -> list:
    params = []
    for path in [*CHAPTERS, APPENDIX]:
        marks = []
        if path.stem in NOT_YET_GLUED:
            marks.append(
                pytest.mark.xfail(strict=True, reason=NOT_YET_GLUED[path.stem])
            )
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", cases())
def test_every_result_in_the_prose_is_glued_or_cited(path):
    found = unglued(markdown_of(path))
    assert not found, (
        f"{len(found)} number(s) in the prose of {path.name} neither glued "
        "nor cited:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "text, count",
    [
        ("Test accuracy 0.874 after five epochs.", 1),
        ("It reaches 0.874 after five epochs[^seed001].", 0),
        ("It reaches {glue:text}`acc:.3f` after five epochs.", 0),
        ("It took 3.2 s, a 22× speed-up, and 12 % less.", 3),
        ("A 3×3 kernel, lr 0.001, momentum 0.9, version 0.29.1.", 0),
        ("In the 1990s, since torchvision 0.13.", 0),
        ("Set `lr=0.01` and `timeout=600 s`.", 0),
        ("```python\nacc = 0.874\n```\nno numbers here", 0),
        (":::{note}\nIt took 6.8 min.\n:::", 1),
        (
            "[^seed001]: The article prints\n    acc:0.874403.\n\nIt is 0.87.",
            1,
        ),
        ("Its 0.874[^seed001]: a good draw.", 0),
        ("Loss 2.303 at first; 1.008 as a ratio; 22.9 times faster.", 3),
        ("$0.874$ in math, {benchmark}`fit_overhead:fit_ratio` quoted.", 0),
    ],
)
def test_what_counts_as_an_unglued_number(text, count):
    assert len(unglued(text)) == count, unglued(text)
