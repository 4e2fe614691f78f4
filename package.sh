#!/usr/bin/env bash
# Builds corral_VERSION_ARCH.deb in the repository's root from the built tree (runs ./build.sh when
# nothing is built), with dpkg-deb alone: no network. What it holds, and how an upgrade goes:
# docs/install.md. Usage: ./package.sh   (prints the path of the .deb)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
[ -x out/corral/corral ] && [ -x out/corral/corral-daemon ] || ./build.sh >&2
# "corral 0.5.0+<commit>": the package's version is the program's, the commit shortened.
version=$(out/corral/corral --version | awk 'NR == 1 { print $2 }' | sed -E 's/\+([0-9a-f]{7})[0-9a-f]*$/+git\1/')
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/corral"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/corral" "$root/lib/systemd/system" "$root/etc/corral/units" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/man/man1" "$root/usr/share/man/man5" "$root/usr/share/doc/corral"
# The client, the daemon and the executor side by side (each finds the others beside its real path),
# with the SQLite library the daemon loads; /usr/bin/corral is a link to the client.
install -m 755 out/corral/corral out/corral/corral-daemon out/corral/corral-exec "$root/usr/lib/corral/"
install -m 644 out/corral/libe_sqlite3.so "$root/usr/lib/corral/"
ln -s ../lib/corral/corral "$root/usr/bin/corral"
install -m 644 packaging/corral.service "$root/lib/systemd/system/corral.service"
install -m 644 packaging/corral.bash-completion "$root/usr/share/bash-completion/completions/corral"
man() { # NAME SECTION TITLE PAGE
  awk -v name="$1" -v section="$2" -v title="$3" -v version="$version" -f packaging/mangen.awk "$4" | gzip -9n > "$root/usr/share/man/man$2/$1.$2.gz"
}
man corral 1 "manage the services a Corral daemon supervises" docs/cli.md
man corral.unit 5 "Corral's unit files" docs/units.md
install -m 644 README.md "$root/usr/share/doc/corral/README.md"
gzip -9nc docs/install.md > "$root/usr/share/doc/corral/install.md.gz"
printf 'Corral, a Linux service supervisor.\nWritten by the developers of Corral for this project.\n' > "$root/usr/share/doc/corral/copyright"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: corral
Version: $version
Architecture: $arch
Maintainer: Corral developers <corral@localhost>
Installed-Size: $size
Depends: libc6 (>= 2.34)
Section: admin
Priority: optional
Homepage: https://example.invalid/corral
Description: service supervisor that keeps every process of a service in its cgroup
 Corral runs systemd-style unit files, starts each service's processes inside the
 service's own cgroup, reaps orphans, finds escaped processes and records why every
 process died (exit, signal and sender, OOM kill). corral(1) is its command line.
CONTROL
# systemd learns of the unit when it runs; nothing is started or enabled by the install:
# `systemctl enable --now corral` is the administrator's choice (docs/install.md).
for script in postinst postrm; do
  printf '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi\n' > "$root/DEBIAN/$script"
  chmod 755 "$root/DEBIAN/$script"
done
# An upgrade (configure with the version before as $2) re-executes a running daemon from the new
# binary, its services kept: corral daemon-reexec, on the socket CORRAL_SOCKET names or the default.
cat >> "$root/DEBIAN/postinst" <<'EOF'
socket=${CORRAL_SOCKET:-/run/corral/corral.sock}
if [ "$1" = configure ] && [ -n "$2" ] && [ -S "$socket" ]; then
  /usr/bin/corral --socket "$socket" daemon-reexec || echo "corral: the running daemon could not re-execute the new version; restart it to run it" >&2
fi
EOF
out="$PWD/corral_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >&2
echo "$out"
