#!/usr/bin/env bash
# The benchmark: builds, installs the official clients locally, runs every workload for every
# contender and writes bench/RESULTS.md and bench/results.json. See bench/README.md.
#   bench/run.sh [--quick] [--workloads seq,pipe,...] [--contenders rust,c,...] [--rounds N]
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
