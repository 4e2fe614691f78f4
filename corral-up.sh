#!/usr/bin/env bash
# Sets up and starts Corral on its embedded default: builds it, starts the daemon with the
# example units in examples/units/ on the default socket (/run/corral/corral.sock) and the page and
# metrics on http://127.0.0.1:9323/ (loopback only; actions need the token written to
# /etc/corral/http.token), starts those units, and shows their status. Run as root on Debian 12
# with the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
# The build's own tools: gcc (the executor, and the link of the NativeAOT binary) and libz for it.
if ! command -v cc >/dev/null || [ ! -e /usr/include/zlib.h ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev zlib1g-dev >/dev/null
fi
command -v dotnet >/dev/null || { echo "corral-up: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
./build.sh
if bin/corral list >/dev/null 2>&1; then
  echo "corral-up: a daemon already answers on /run/corral/corral.sock"
else
  mkdir -p /var/log/corral /etc/corral
  if [ ! -s /etc/corral/http.token ]; then
    (umask 077; head -c 24 /dev/urandom | base64 > /etc/corral/http.token)
  fi
  nohup bin/corral daemon --units "$PWD/examples/units" --http 127.0.0.1:9323 --http-token-file /etc/corral/http.token \
    >/var/log/corral/daemon.log 2>&1 &
  for _ in $(seq 100); do bin/corral list >/dev/null 2>&1 && break; sleep 0.1; done
  # ticker and workers are enabled (their [Install] says multi-user.target), and nightly's timer
  # (timers.target): a restarted daemon brings them up again. nightly runs at 03:00 (list-timers).
  bin/corral enable --now ticker workers nightly.timer
fi
bin/corral status
echo "daemon log: /var/log/corral/daemon.log; try: bin/corral status workers"
echo "page: http://127.0.0.1:9323/ (token for its buttons: /etc/corral/http.token); metrics: http://127.0.0.1:9323/metrics"
