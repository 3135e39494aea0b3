# `make demo`: set up .venv (pinned CPU lock) and run the training-free search
# on the embedded CIFAR-100 sample. `make test`: set up, check that the
# installed requirements agree (pip check) and run the tests.
# `make lint`: flake8, isort and yapf (setup.cfg) check the sources;
# `make format` rewrites them in that style.
# `make device-wheels`: .whl/ for tools/gpu_check.sh on the GPU machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LINT_STAMP := $(VENV)/.lint-installed
SOURCES := diswot_mm tools tests benchmarks configs setup.py

.PHONY: setup demo test lint format clean device-wheels

setup: $(STAMP)

$(STAMP): requirements/cpu.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/cpu.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/search.py configs/diswot_cifar100.py

# one xdist worker per core of the 2-core dev/CI machine (tests/conftest.py
# gives each one torch thread; the long subprocess tests go first and an idle
# worker steals from the other's queue)
test: $(STAMP)
	$(PY) -m pip check
	# yapf (imported by mmengine) writes its grammar cache on first import:
	# once here, not raced by two xdist workers on a fresh .venv
	$(PY) -c "import mmengine"
	$(PY) -m pytest -q -n 2 --dist worksteal tests

$(LINT_STAMP): requirements/lint.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lint.txt
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(PY) -m flake8 $(SOURCES)
	$(PY) -m isort --check-only --diff $(SOURCES)
	$(PY) -m yapf --diff --recursive $(SOURCES)

format: $(LINT_STAMP)
	PYTHON=$(PY) bash tools/format.sh

# the pinned OpenMMLab wheels for the GPU machine (tools/gpu_check.sh)
device-wheels:
	PYTHON=$(PYTHON) bash tools/device_wheels.sh

clean:
	rm -rf $(VENV) work_dirs
