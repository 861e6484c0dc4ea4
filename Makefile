# make catalogue — install what is missing, then build dist/booklet.pdf
# make test      — install what is missing, then run the whole test suite
# make test-fast — the same without the `slow` tests (those that build the real catalogue)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEBS := fonts-noto-cjk fonts-noto-core libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils libgs-common ghostscript chromium default-jre-headless
STAMP := $(VENV)/.installed
# pdf.js (npm, at make time only): the proof-annotation tests save marks with its annotation writer
PDFJS := .cache/pdfjs/node_modules/pdfjs-dist/package.json

.PHONY: catalogue test test-fast lint check bench weasyprint-suite system clean

catalogue: $(STAMP)
	$(PY) build.py

check: $(STAMP)
	$(PY) build.py check

test: lint $(PDFJS)
	$(PY) -m pytest -q

test-fast: lint
	$(PY) -m pytest -q -m "not slow"

# Lint and format check (ruff; configured in pyproject.toml).
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Benchmark: writes dist/bench.md, dist/bench.json and docs/performance.md (photos generated into .cache/bench, never committed).
bench: $(STAMP)
	$(PY) bench/run.py

# WeasyPrint's own test suite (its sdist, downloaded once into .cache/weasyprint-suite), run without and
# with booklet's patches: fails unless the patched run fails exactly the tests the plain one fails.
# Its drawing tests need Ghostscript (the Debian package is installed when missing).
weasyprint-suite: $(STAMP)
	@$(MAKE) --no-print-directory system DEBS=ghostscript
	$(PY) tests/weasyprint_suite.py

# Debian packages: fonts (Noto CJK; Noto Serif and Noto Sans for Portuguese and English), HarfBuzz subsetting (5–30× faster font embedding), Pango, pdftotext/pdftoppm,
# the default CMYK output profile of the press PDF (libgs-common: ghostscript's default_cmyk.icc), and
# chromium (the live preview's browser test; Playwright's own browser download cannot work here).
system:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): requirements.lock pyproject.toml | system
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

$(PDFJS):
	@if command -v npm >/dev/null; then npm install --prefix .cache/pdfjs --no-audit --no-fund --silent pdfjs-dist@6.5.438 \
	  || echo "pdf.js could not be installed: its annotation test is skipped"; \
	else echo "npm not found: the pdf.js annotation test is skipped"; fi

clean:
	rm -rf dist .pytest_cache
