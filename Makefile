# `make demo`: set up .venv (pinned CPU lock) and run the training-free search
# on the embedded CIFAR-100 sample. `make test`: set up, check that the
# installed requirements agree (pip check) and run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test clean

setup: $(STAMP)

$(STAMP): requirements/cpu.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/cpu.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/search.py configs/diswot_cifar100.py

test: $(STAMP)
	$(PY) -m pip check
	$(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) work_dirs
