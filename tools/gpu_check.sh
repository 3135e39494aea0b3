#!/usr/bin/env bash
# The prepared GPU check (at most ~8 minutes on one GPU):
#     bash tools/gpu_check.sh OUT_DIR [--cpu] [--tiny]
# writes OUT_DIR/gpu_check.json and OUT_DIR/gpu_check.md: the CUDA-marked
# tests, S1 and ImageNet-space searches, DisWOT+ distillation under AMP
# (bf16, fp16; CIFAR and 224 px), tools/dist_train.sh and
# tools/dist_search.sh on 1 GPU (tools/gpu_check.py says what each measures).
# --cpu --tiny: the same on the CPU at tiny sizes (the test suite runs it).
# Where mmengine/mmcv/mmpretrain/mmrazor are not installed (the device
# machine), the pinned wheels of .whl/ (`make device-wheels`, carried with
# the tree) are installed into GPU_CHECK_SITE (default /tmp/gpu_check_site)
# on PYTHONPATH; torch is left as it is. PYTHON picks the interpreter.
set -uo pipefail
if [ $# -lt 1 ] || [[ $1 == --* ]]; then
    echo "usage: bash tools/gpu_check.sh OUT_DIR [--cpu] [--tiny]" >&2
    exit 2
fi
OUT_DIR=$1
shift
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# installed? (find_spec: without importing the stack twice)
if ! $PYTHON -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m)
        is None for m in ('mmengine', 'mmcv', 'mmpretrain', 'mmrazor')))"; then
    if ! ls .whl/*.whl >/dev/null 2>&1; then
        echo "mmengine/mmcv/mmpretrain/mmrazor are not importable and .whl/" \
            "holds no wheels: run 'make device-wheels' where pip works and" \
            "carry .whl with the tree." >&2
        exit 2
    fi
    SITE=${GPU_CHECK_SITE:-/tmp/gpu_check_site}
    $PYTHON -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target "$SITE" .whl/*.whl || exit 2
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHON
exec $PYTHON tools/gpu_check.py "$OUT_DIR" "$@"
