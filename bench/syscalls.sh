#!/usr/bin/env bash
# System calls of the daemon, thread by thread, during one 5 s fork storm (children living 100 ms,
# TasksMax=500): bench/syscalls.sh [TREE]   (root; after ./build.sh in TREE, default this tree).
# A daemon of its own (socket, state, logs in a temporary directory, its own cgroup root), stopped
# by its pid at the end; needs perf (Debian's linux-perf).
set -euo pipefail
tree=$(readlink -f "${1:-$(dirname "$(readlink -f "$0")")/..}")
d=$(mktemp -d); root=/sys/fs/cgroup/unified/corral-bench-syscalls-$$; dpid=
cleanup() {
  if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then kill -TERM "$dpid"; wait "$dpid" || true; fi
  rmdir "$root" 2>/dev/null || true
  rm -rf "$d"
}
trap cleanup EXIT
mkdir -p "$d/units" "$d/pids"
printf '[Service]\nType=oneshot\nExecStart=%s/bin/corral-workload --pids %s/pids --log %s/sig.log forkstorm 5\nTasksMax=500\nTimeoutStartSec=60\n' "$tree" "$d" "$d" > "$d/units/storm.service"
"$tree/bin/corral" daemon --units "$d/units" --socket "$d/s.sock" --state-dir "$d/state" --log-dir "$d/logs" --cgroup-root "$root" > "$d/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$d/s.sock" ] && break; sleep 0.1; done
sleep 2
perf stat --per-thread -e raw_syscalls:sys_enter -p "$dpid" -o "$d/perf.txt" -- sleep 9 &
sleep 0.5
"$tree/bin/corral" --socket "$d/s.sock" start storm > /dev/null
wait %2 || true
sleep 1
echo "# $(grep -o 'forkstorm: [0-9]* children' "$d/logs/storm.service.log") forked; daemon CPU over its whole run: $(awk '{print $14+$15}' "/proc/$dpid/stat") ticks"
grep sys_enter "$d/perf.txt" | sort -k2 -n -r | head -8
