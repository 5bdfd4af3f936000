"""benchmarks/mutation.py: what it leaves out of the score as a message's
words, and its hand-made JavaScript bugs, each of which must still be in
the explorers' code (a bug whose line was edited away would measure
nothing)."""

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import mutation  # noqa: E402

ORIGINAL = """
def function(size, mode):
    if size < 1:
        raise ValueError(f"bad size: {size}")
    about = "move the settings, and see the windows"
    words = ("valid", "same")
    print("output", size)
    return mode in words
""".splitlines()


def mutant(line: str, new: str) -> list[str]:
    """ORIGINAL with one line replaced."""
    return [new if s.strip() == line else s for s in ORIGINAL]


@pytest.mark.parametrize(
    "line, new, words_only",
    [
        (  # the words of an error message
            'raise ValueError(f"bad size: {size}")',
            '        raise ValueError(f"XXbad size: {size}XX")',
            True,
        ),
        (  # the text for readers without JavaScript
            'about = "move the settings, and see the windows"',
            '    about = "MOVE THE SETTINGS, AND SEE THE WINDOWS"',
            True,
        ),
        ('print("output", size)', '    print("OUTPUT", size)', True),
        (  # a value the code compares with: behaviour
            'words = ("valid", "same")',
            '    words = ("XXvalidXX", "same")',
            False,
        ),
        (  # not only strings changed
            'raise ValueError(f"bad size: {size}")',
            "        raise ValueError(None)",
            False,
        ),
        ("if size < 1:", "    if size <= 1:", False),
    ],
)
def test_only_the_words_of_messages_are_left_out(line, new, words_only):
    assert mutation.message_only(ORIGINAL, mutant(line, new)) is words_only


def test_two_changed_lines_are_not_a_message():
    changed = mutant('print("output", size)', '    print("OUTPUT", size)')
    changed = [s.replace("<", "<=") for s in changed]
    assert not mutation.message_only(ORIGINAL, changed)


def test_each_javascript_bug_changes_a_line_that_is_there_once():
    bugs = mutation.js_mutants()
    assert len(bugs) >= 30
    for name, before, after, tests in bugs:
        source = mutation.js_source(name).read_text(encoding="utf-8")
        assert source.count(before) == 1, (name, before)
        assert before != after and tests, (name, before)


def test_every_listed_survivor_has_a_kind_and_a_reason():
    listed = mutation.excluded()
    assert listed
    for name, (kind, why) in listed.items():
        assert name.startswith("helpers.") and "__mutmut_" in name
        assert kind in ("equivalent", "message") and why.strip(), name
