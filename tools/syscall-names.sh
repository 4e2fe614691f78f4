#!/usr/bin/env bash
# Writes src/Corral.Linux/syscalls-x86_64.txt: "NUMBER NAME" for every system call of x86_64, from
# the C library's headers of an x86_64 machine. The daemon names the call in a seccomp death record
# with it (the kernel's audit line gives the number only).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
[ "$(uname -m)" = x86_64 ] || { echo "run on x86_64" >&2; exit 1; }
printf '#include <sys/syscall.h>\n' | ${CC:-cc} -dM -E - | sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/\2 \1/p' | sort -n > src/Corral.Linux/syscalls-x86_64.txt
echo "wrote src/Corral.Linux/syscalls-x86_64.txt ($(wc -l < src/Corral.Linux/syscalls-x86_64.txt) calls)"
