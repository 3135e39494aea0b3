#!/usr/bin/env bash
# Rewrite the sources in the house style (setup.cfg: isort, then yapf), the
# way `make lint` checks them. Run from anywhere; PYTHON picks the
# interpreter that has requirements/lint.txt (`make format` passes .venv's).
#   bash tools/format.sh            # the whole tree
#   bash tools/format.sh FILE...    # only these files or folders
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
if [ $# -eq 0 ]; then
    set -- diswot_mm tools tests benchmarks configs setup.py
fi
"$PYTHON" -m isort "$@"
"$PYTHON" -m yapf --in-place --recursive --parallel "$@"
