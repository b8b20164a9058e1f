# Everything runs from a virtual environment the Makefile creates on first use,
# so a fresh clone needs only Python, git and kubectl.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test fuzz bench install clean

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

# The tests run Hypothesis derandomised (the "ci" profile, tests/conftest.py); this explores
# at random with many examples. Put what it finds in an @example.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider tests/yamledit/test_properties.py tests/test_templating.py
	PATCHER_EVERY_TYPE=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/hostile/test_malformed.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache bench-out
