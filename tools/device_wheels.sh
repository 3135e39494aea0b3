#!/usr/bin/env bash
# Download the pinned OpenMMLab wheels (and their pure-Python needs missing
# on the device machine: Python 3.12, torch, no OpenMMLab, no network) into
# .whl/ (git-ignored), for tools/gpu_check.sh there:
#     bash tools/device_wheels.sh            (or: make device-wheels)
# Versions are those of requirements/cpu.txt, the CPU lock. About 5 MB:
# carry it with run(carry=['.whl']) (the tree travels under 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
NAMES="mmengine mmcv-lite mmpretrain mmrazor addict yapf platformdirs
termcolor mat4py modelindex model-index ordered-set importlib-metadata
lazy-importer zipp"
PINS=()
for name in $NAMES; do
    pin=$(grep -i "^${name//-/[-_]}==" requirements/cpu.txt) || {
        echo "$name is not pinned in requirements/cpu.txt" >&2; exit 1; }
    PINS+=("$pin")
done
# pkg_resources (mmengine, mmpretrain) is gone from setuptools >= 81
PINS+=("setuptools<81")
rm -rf .whl
$PYTHON -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux2014_x86_64 --platform any -d .whl "${PINS[@]}"
ls .whl
du -sh .whl
