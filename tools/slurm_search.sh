#!/usr/bin/env bash
# Training-free search on a Slurm cluster (each task scores its share of
# every generation; same result as one process):
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   bash tools/slurm_search.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [args]
exec bash "$(dirname "$0")/slurm_launch.sh" search.py "$@"
