#!/usr/bin/env bash
# Builds everything: the C executor, the test workload, and the .NET solution.
# Leaves the CLI runnable as bin/corral and the executor as bin/corral-exec.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
CC=${CC:-cc}
mkdir -p bin out
# Each step says what it does: on a fresh machine the whole build takes a minute or two, most of it
# the .NET restore and compile, and a silent minute reads as a hang.
echo "build.sh: compiling the executor and the test workload ($CC)"
# The executor runs once for every process a service starts: linked statically (position-independent,
# so ASLR still applies) it skips the dynamic loader, ~1 ms of each spawn here (docs/benchmarks.md).
# The system-call filter resolves names with this machine's own table (the C library's headers).
# Sorted bytewise (LC_ALL=C): the executor looks names up by binary search.
printf '#include <sys/syscall.h>\n' | $CC -dM -E - | sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | LC_ALL=C sort -u \
  | awk '{ printf "{ \"%s\", __NR_%s },\n", $1, $1 }' > out/syscall-table.h
$CC -O2 -Wall -Wextra -Werror -static-pie -Iout -o bin/corral-exec native/corral-exec.c native/mounts.c native/namespaces.c native/seccomp.c
$CC -O2 -Wall -Wextra -Werror -o bin/corral-workload tests/workload/workload.c
echo "build.sh: building the .NET solution (the first time: NuGet restore, then compile; about a minute)"
dotnet build Corral.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
rm -rf out/corral
# NativeAOT (issue #16, item 1): native binaries for the CLI and the daemon, no JIT at start-up:
# `corral show` answers in a fifth of the time and the daemon needs half the memory
# (docs/benchmarks.md). The ILCompiler package comes from NuGet; gcc links (CppCompilerAndLinker),
# zlib1g-dev gives it libz (deps.sh installs both). A trim or AOT warning fails the build: code
# that needs reflection at run time would fail there silently otherwise.
# Two binaries from the one program: corral-daemon holds everything; corral, the client every CLI call
# starts, is published with the daemon left out (Corral.DaemonIncluded=false): NativeAOT rehydrates
# the type data of all a binary holds at each start, and the daemon's doubled a CLI call's time.
# `corral daemon` execs corral-daemon, in the same process.
echo "build.sh: publishing corral-daemon and the corral client with NativeAOT to out/corral (about two minutes)"
rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
publish() {
  dotnet publish src/Corral.Cli/Corral.Cli.csproj -c Release -r "$rid" -p:PublishAot=true -p:CppCompilerAndLinker=gcc \
    -warnaserror --nologo -v quiet -clp:ErrorsOnly "$@"
}
rm -rf out/corral-daemon
publish -o out/corral-daemon
publish -p:CorralClientOnly=true -o out/corral
mv out/corral-daemon/corral out/corral/corral-daemon
rm -rf out/corral-daemon
rm -f out/corral/*.dbg out/corral/*.pdb
cp bin/corral-exec out/corral/corral-exec
# bin/corral is a relative symlink, not a shell launcher: the launcher's sh, dirname and readlink
# cost ~18 ms of every CLI call here (more than the CLI's own start-up). The binary finds
# corral-exec beside its real path (/proc/self/exe), wherever the link is called from.
rm -f bin/corral
ln -s ../out/corral/corral bin/corral
echo "built: bin/corral, bin/corral-exec, bin/corral-workload"
