# Everything runs from a virtual environment the Makefile creates on first use,
# so a fresh clone needs only Python, git and kubectl.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# `patcher plan` exits 1 when it finds something, which is the point of the demo.
demo: $(STAMP)
	$(BIN)/patcher plan --format text base/ || [ $$? -eq 1 ]

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache bench-out
