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
$CC -O2 -Wall -Wextra -Werror -o bin/corral-exec native/corral-exec.c
$CC -O2 -Wall -Wextra -Werror -o bin/corral-workload tests/workload/workload.c
echo "build.sh: building the .NET solution (the first time: NuGet restore, then compile; about a minute)"
dotnet build Corral.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
rm -rf out/corral
# ReadyToRun: precompiled code halves the CLI's start-up (docs/benchmarks.md). It needs the
# crossgen package from NuGet; without it, fall back to a plain (JIT) build that works the same.
echo "build.sh: publishing the CLI and daemon with ReadyToRun to out/corral"
rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
if ! dotnet publish src/Corral.Cli/Corral.Cli.csproj -c Release -r "$rid" --self-contained false \
     -p:PublishReadyToRun=true --nologo -v quiet -clp:ErrorsOnly -o out/corral; then
  echo "build.sh: ReadyToRun publish failed; publishing without it" >&2
  rm -rf out/corral
  dotnet publish src/Corral.Cli/Corral.Cli.csproj -c Release --no-build --nologo -v quiet -o out/corral
fi
cp bin/corral-exec out/corral/corral-exec
cat > bin/corral <<'LAUNCHER'
#!/bin/sh
# Launcher for the built CLI (see build.sh).
exec "$(dirname "$(readlink -f "$0")")/../out/corral/corral" "$@"
LAUNCHER
chmod +x bin/corral
echo "built: bin/corral, bin/corral-exec, bin/corral-workload"
