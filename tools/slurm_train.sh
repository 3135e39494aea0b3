#!/usr/bin/env bash
# Distil (or train) on a Slurm cluster, one task per GPU:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [args]
exec bash "$(dirname "$0")/slurm_launch.sh" train.py "$@"
