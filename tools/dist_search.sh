#!/usr/bin/env bash
# Distributed training-free search (each process scores its share of every
# generation): bash tools/dist_search.sh CONFIG N [args]
exec bash "$(dirname "$0")/dist_launch.sh" search.py "$@"
