#!/usr/bin/env bash
# Installs with apt-get (Debian 12, as root) what the build and the tests need, when something is
# missing; does nothing when all is there. Both ./test.sh and .ci/run use it: one list, one way.
#   gcc, libc6-dev  build the executor (statically: libc.a) and the test workload; gcc links the NativeAOT binary
#   zlib1g-dev      libz, which the NativeAOT runtime links against
#   procps          ps, for the tests' process checks
#   util-linux      prlimit, mount (tests run the daemon under limits, on small tmpfs mounts)
#   curl            requests sent as another user, exactly as written (the socket's access tests)
#   prometheus      promtool and the server the metrics tests scrape with
#   chromium        the browser Playwright drives (it cannot download one here)
#   systemd         systemd-notify, a real sd_notify client the notification tests run
#   redis-server, redis-tools, memcached, nginx, cron, openssh-server, rsyslog
#                   Debian's own units the acceptance tests run unmodified (DebianUnitScenarios);
#                   installed, never started by the install
#   with the argument "bench", also the peers bench/ measures Corral against (issue #16, item 5):
#   supervisor, tini
set -euo pipefail
need=()
if [ "${1:-}" = bench ]; then
  for tool in /usr/bin/supervisord:supervisor /usr/bin/tini:tini; do [ -e "${tool%%:*}" ] || need+=("${tool#*:}"); done
fi
for tool in gcc:gcc /usr/include/stdio.h:libc6-dev /usr/include/zlib.h:zlib1g-dev ps:procps prlimit:util-linux curl:curl \
            /usr/bin/promtool:prometheus /usr/bin/prometheus:prometheus /usr/bin/chromium:chromium \
            /usr/bin/systemd-notify:systemd /usr/bin/redis-server:redis-server /usr/bin/redis-cli:redis-tools \
            /usr/bin/memcached:memcached /usr/sbin/nginx:nginx /usr/sbin/cron:cron /usr/sbin/sshd:openssh-server /usr/sbin/rsyslogd:rsyslog; do
  path=${tool%%:*} package=${tool#*:}
  if [[ $path == /* ]]; then [ -e "$path" ] && continue; else command -v "$path" >/dev/null && continue; fi
  need+=("$package")
done
[ ${#need[@]} -eq 0 ] && exit 0
echo "deps.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Installing must not start a service (Prometheus, redis, nginx, sshd …): where no policy-rc.d says
# so already, one is put in place for the install.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for tool in /usr/bin/promtool /usr/bin/prometheus /usr/bin/chromium /usr/bin/curl /usr/bin/systemd-notify \
            /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/memcached /usr/sbin/nginx /usr/sbin/cron /usr/sbin/sshd /usr/sbin/rsyslogd; do
  [ -x "$tool" ] || { echo "deps.sh: $tool is missing after the install" >&2; exit 1; }
done
