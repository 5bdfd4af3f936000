# The book's two jobs:  make book  (the website, in _build/html)  and  make test  (every test).
# Each creates the virtual environment .venv from requirements-dev.txt on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: book test lint doctest unit notebooks browser full mutation locales clean

$(BIN)/activate-book: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" > /dev/null
	touch $@

# The website, from the outputs stored in the notebooks; warnings are errors. Every page is rebuilt
# (--all): an incremental build would not repeat the warnings of unchanged pages. _build/html is made
# afresh so that no page of an older build is left behind; _build/vendor keeps MathJax between builds
# (tools/offline_site.py fetches it with npm on first use).
#
# Then the Chinese edition into _build/html/zh, from the same notebooks and the catalogues in locales/
# (compiled afresh into _build/zh; fuzzy translations are left out): see tools/locales.py.
book: $(BIN)/activate-book
	rm -rf _build/html
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --quiet --all
	$(BIN)/python tools/locales.py build

# After the English prose changed: refresh the Chinese catalogues (changed messages become fuzzy,
# removed ones obsolete), then translate what tools/locales.py coverage lists.
locales: $(BIN)/activate-book
	$(BIN)/python tools/locales.py update

# Every test, in this order; each step is also a target of its own.
test: lint doctest unit notebooks browser

# ruff over all the Python, notebooks included (settings in pyproject.toml): its checks, and one code
# style (ruff format: run it to fix what --check finds); actionlint over the GitHub workflows (shellcheck
# and pyflakes off, so the result does not depend on what else is installed).
lint: $(BIN)/activate-book
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint -shellcheck= -pyflakes=

# The examples in helpers' docstrings.
doctest: $(BIN)/activate-book
	CNN_BOOK_QUICK=1 $(BIN)/python -m pytest --doctest-modules helpers -q

# Unit tests of helpers, tools and benchmarks, and checks of the committed files.
unit: $(BIN)/activate-book
	$(BIN)/python -m pytest tests/ -q --ignore=tests/browser

# Every notebook re-executed in quick mode, its outputs compared with the stored ones.
notebooks: $(BIN)/activate-book
	CNN_BOOK_QUICK=1 $(BIN)/python -m pytest --nbval notebooks/ -q --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600

# The built website in headless Chromium.
browser: book
	$(BIN)/python -m pytest tests/browser -q

# Re-run every notebook top to bottom in full mode and store its outputs (what the website shows).
full: $(BIN)/activate-book
	$(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

# Do the tests catch one-line bugs? mutmut over helpers/ and hand-made bugs in
# the explorers' JavaScript on the built website (benchmarks/mutation.py);
# the scores go to benchmarks/results/mutation.json. Slow: not part of test.
mutation: book
	$(BIN)/python benchmarks/mutation.py

clean:
	rm -rf _build
