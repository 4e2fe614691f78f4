#!/usr/bin/env bash
# Runs the benchmarks (as root, after ./build.sh): bench/run.sh [RUNS] [stop|start|cli|deaths|monitor|foreign|web|faults|notify|deps|storm|peers|reexec|sandbox|sockets|all]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
# The peers (Debian's supervisor and tini) are measured beside Corral: installed, never started by the install.
case "${2:-all}" in peers|all) ./deps.sh bench ;; esac
dotnet run -c Release --project bench/Corral.Bench -- "${1:-5}" "$PWD" "${2:-all}"
