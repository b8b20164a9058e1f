# Everything runs from a virtual environment the Makefile creates on first use,
# so a fresh clone needs only Python, git and kubectl.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test fuzz bench install clean browser vendor-mermaid screenshot

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# `patcher plan` exits 1 when it finds something, which is the point of the demo.
demo: $(STAMP)
	$(BIN)/patcher plan --format text base/ || [ $$? -eq 1 ]

# the browser tests of `patcher report --format html` need Debian's chromium: installed when missing
test: $(STAMP) browser
	$(BIN)/python -m pytest -q

browser:
	tests/browser/setup_chromium.sh

# The tests run Hypothesis derandomised (the "ci" profile, tests/conftest.py); this explores
# at random with many examples. Put what it finds in an @example.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider tests/yamledit/test_properties.py tests/test_templating.py
	PATCHER_EVERY_TYPE=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/hostile/test_malformed.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The README's picture of the HTML review of base/ (docs/report-base.png), redrawn by headless Chromium.
screenshot: $(STAMP) browser
	mkdir -p bench-out
	$(BIN)/patcher report base/ --format html --out bench-out/report-base.html
	$(BIN)/python -c "import sys; sys.path.insert(0, 'tests'); from pathlib import Path; \
	from browser.chromium import screenshot; screenshot(Path('bench-out/report-base.html'), \
	Path('docs/report-base.png').resolve(), 1500, 1100)"

# The Mermaid library the HTML review inlines, committed in patcher/report/assets (see its README).
MERMAID_VERSION   := 11.17.2
MERMAID_INTEGRITY := sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg==
vendor-mermaid:
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent mermaid@$(MERMAID_VERSION) >/dev/null); \
	got="sha512-$$(openssl dgst -sha512 -binary "$$tmp"/mermaid-$(MERMAID_VERSION).tgz | base64 -w0)"; \
	[ "$$got" = "$(MERMAID_INTEGRITY)" ] || { echo "mermaid tarball integrity mismatch: $$got" >&2; exit 1; }; \
	tar -xzf "$$tmp"/mermaid-$(MERMAID_VERSION).tgz -C "$$tmp"; \
	cp "$$tmp"/package/dist/mermaid.min.js "$$tmp"/package/LICENSE patcher/report/assets/; \
	sha256sum patcher/report/assets/mermaid.min.js

clean:
	rm -rf $(VENV) .pytest_cache bench-out
