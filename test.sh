#!/usr/bin/env bash
# Builds everything and runs every test (Core, Linux, end-to-end scenarios). Needs root:
# the tests create cgroups of their own and start real services.
# Ends with one line "N passed, N failed" for the whole run; exits non-zero if any test failed.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")"
./build.sh || { echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A test that hangs fails after 10 minutes (its test host is killed) instead of holding CI forever.
dotnet test Corral.slnx -c Release --no-build --nologo --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# One summary line per test assembly: "Passed!  - Failed:     0, Passed:    33, Skipped: ..."
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
assemblies=$(grep -cE '^(Passed|Failed)! ' "$log")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash or build error counts
if [ "$assemblies" -lt 3 ] && [ "$failed" -eq 0 ]; then echo "expected 3 test assemblies, saw $assemblies"; failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
