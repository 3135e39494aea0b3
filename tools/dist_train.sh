#!/usr/bin/env bash
# Distributed training / distillation: bash tools/dist_train.sh CONFIG N [args]
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$@"
