#!/usr/bin/env bash
# Runs the benchmarks (as root, after ./build.sh): bench/run.sh [RUNS] [stop|start|cli|deaths|monitor|web|faults|notify|deps|storm|all]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
dotnet run -c Release --project bench/Corral.Bench -- "${1:-5}" "$PWD" "${2:-all}"
