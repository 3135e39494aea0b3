#!/usr/bin/env bash
# Run a diswot_mm tool under torchrun: bash tools/dist_launch.sh TOOL CONFIG NPROC [args]
# (TOOL: train.py, search.py, test.py). One process per GPU, gloo on the CPU;
# several nodes through NNODES, NODE_RANK, MASTER_ADDR and PORT; PYTHON picks
# the interpreter.
TOOL=$1
CONFIG=$2
NPROC=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

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
