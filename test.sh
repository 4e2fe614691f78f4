#!/usr/bin/env bash
# Installs what is missing (deps.sh), builds everything and runs every test (Core, Linux, end-to-end
# scenarios). Needs root: the tests create cgroups of their own and start real services.
# Ends with one line "N passed, N failed" for the whole run; exits non-zero if any test failed.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")"
# What the tests need from Debian (the browser, Prometheus, the C compiler …), installed if missing.
./deps.sh || { echo "0 passed, 1 failed"; exit 1; }
./build.sh || { echo "0 passed, 1 failed"; exit 1; }
# Some tests run services as nobody, who must reach the built programs: not possible below a closed
# directory (/root is 0700). Said at once rather than as a dozen failures.
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$PWD/bin/corral-workload"; then
  echo "test.sh: user nobody cannot reach $PWD/bin (a directory above it is closed to others, as /root is); clone the repository elsewhere, such as /srv or /opt, and run it there"
  echo "0 passed, 1 failed"; exit 1
fi
log=$(mktemp)
# The tests' temporary files go to a directory of this run, removed at the end: the dotnet CLI
# itself leaves two empty directories in TMPDIR at each `dotnet test`. Mode 755: services that run
# as nobody reach their test directories through it. Should a daemon killed in a test have left its
# tracefs mounted in there, nothing is deleted into it.
tmp=$(mktemp -d /tmp/corral-tests.XXXXXX)
chmod 755 "$tmp"
cleanup() {
  rm -f "$log"
  if grep -qF " $tmp/" /proc/self/mountinfo; then echo "test.sh: a mount remains under $tmp; left in place" >&2
  else rm -rf "$tmp"; fi
}
trap cleanup EXIT
export TMPDIR="$tmp"
# A test that hangs fails after 10 minutes (its test host is killed) instead of holding CI forever.
dotnet test Corral.slnx -c Release --no-build --nologo --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# One summary line per test assembly: "Passed!  - Failed:     0, Passed:    33, Skipped: ..."
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
assemblies=$(grep -cE '^(Passed|Failed)! ' "$log")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash or build error counts
if [ "$assemblies" -lt 4 ] && [ "$failed" -eq 0 ]; then echo "expected 4 test assemblies, saw $assemblies"; failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
