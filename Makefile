# `make demo`: set up .venv (pinned CPU lock) and run the training-free search
# on the embedded CIFAR-100 sample. `make test`: set up, check that the
# installed requirements agree (pip check) and run the tests.
# `make device-wheels`: .whl/ for tools/gpu_check.sh on the GPU machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test clean device-wheels

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

# the pinned OpenMMLab wheels for the GPU machine (tools/gpu_check.sh)
device-wheels:
	PYTHON=$(PYTHON) bash tools/device_wheels.sh

clean:
	rm -rf $(VENV) work_dirs
