#!/usr/bin/env bash
# Run a diswot_mm tool under Slurm, one task per GPU, in the shape of
# mmpretrain's tools/slurm_train.sh:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   bash tools/slurm_launch.sh TOOL PARTITION JOB_NAME CONFIG [WORK_DIR] [args]
# (TOOL: train.py, search.py, test.py). WORK_DIR is optional (default: the
# config's). PYTHON picks the interpreter on the nodes.
set -x

TOOL=$1
PARTITION=$2
JOB_NAME=$3
CONFIG=$4
shift 4
WORK_DIR_ARGS=()
if [[ $# -gt 0 && $1 != -* ]]; then
    WORK_DIR_ARGS=(--work-dir "$1")
    shift
fi
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$((GPUS < 8 ? GPUS : 8))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "${PYTHON}" -u "$(dirname "$0")/${TOOL}" "${CONFIG}" \
    "${WORK_DIR_ARGS[@]}" --launcher slurm "$@"
