#!/usr/bin/env bash
# Run a diswot_mm tool under torchrun: bash tools/dist_launch.sh TOOL CONFIG NPROC [args]
# (TOOL: train.py, search.py, test.py). One process per GPU, gloo on the CPU;
# several nodes through NNODES, NODE_RANK, MASTER_ADDR and PORT; PYTHON picks
# the interpreter (default: the repository's .venv when there is one).
TOOL=$1
CONFIG=$2
NPROC=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
REPO="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$PYTHON" ] && [ -x "$REPO/.venv/bin/python" ]; then
    PYTHON="$REPO/.venv/bin/python"
fi
PYTHON=${PYTHON:-python}
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "$(basename "$0"): the interpreter '$PYTHON' cannot import torch." \
        "Name the project's one before the command," \
        "PYTHON=/path/to/.venv/bin/python bash tools/dist_search.sh ..." \
        "(make setup creates .venv), or activate its environment." >&2
    exit 1
fi

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
$PYTHON -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$NPROC \
    --master_port=$PORT \
    $(dirname "$0")/$TOOL \
    $CONFIG \
    --launcher pytorch ${@:4}
