#!/usr/bin/env bash
# Builds the .deb (unless DEB=path is given) and checks it on this machine, as root (sudo otherwise):
#   dpkg-deb --info/--contents show the files, conffiles and Depends the package must have;
#   dpkg -i (then apt-get -f install for dependencies) installs it; /usr/bin/reel-ingest --version runs, with the
#   Swift runtime from the package (not this machine's toolchain); the
#   user, directories and unit enablement exist; systemd-analyze verify accepts every unit; the installed agent
#   starts and stops as the reel-ingest user; watch add prints the sandbox drop-in;
#   dpkg -r keeps configuration and state; dpkg -P leaves the file system as it was before (file listing diff).
# Works without systemd as PID 1 (containers): the maintainer scripts skip what needs a running systemd.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || exec sudo --preserve-env=SWIFT,DEB,RELEASE_SCRATCH "$0" "$@"

fail() {
    echo "test-deb: FAIL: $*" >&2
    exit 1
}
pass() { echo "test-deb: ok: $*"; }
# dpkg refuses to wait for its lock; another apt run on a shared machine must not fail the test.
dpkg_retry() {
    for _ in $(seq 60); do
        if "$@" 2>.build/test-deb.dpkg.err; then return 0; fi
        grep -q "lock" .build/test-deb.dpkg.err || { cat .build/test-deb.dpkg.err >&2; return 1; }
        sleep 5
    done
    cat .build/test-deb.dpkg.err >&2
    return 1
}

version=$(scripts/version.sh)
if [ -z "${DEB:-}" ]; then
    packaging/build-deb.sh dist
    DEB=dist/reel-ingest_${version}_$(dpkg --print-architecture).deb
fi
[ -f "$DEB" ] || fail "no package at $DEB"
if dpkg-query -W -f='${Status}' reel-ingest 2>/dev/null | grep -q "install\|config-files"; then
    fail "reel-ingest is already installed here; this test installs and purges it: run dpkg -P reel-ingest first"
fi
# Purge deletes these; whatever is there now is not the package's (an agent run on embedded defaults writes to
# /var/lib/reel-ingest) and must not be lost to a test.
for path in /etc/reel-ingest /var/lib/reel-ingest /var/cache/reel-ingest /etc/systemd/system/reel-ingest.service.d; do
    [ ! -e "$path" ] || fail "$path exists and dpkg -P would delete it: move it away to run this test"
done

# --- what the package holds ---------------------------------------------------------------------------------
info=$(dpkg-deb --info "$DEB")
field() { dpkg-deb --field "$DEB" "$1"; }
[ "$(field Package)" = reel-ingest ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version $(field Version), expected $version"
for dep in libc6 libcurl4 libsqlite3-0 libavformat59 libavcodec59 libinotifytools0; do
    field Depends | grep -q "\b$dep\b" || fail "Depends lacks $dep: $(field Depends)"
done
field Depends | grep -q swift && fail "Depends names a Swift package: $(field Depends)"
for script in postinst prerm postrm conffiles md5sums; do
    grep -q " $script" <<<"$info" || fail "control archive lacks $script"
done
[ "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)" = "/etc/reel-ingest/agent.toml
/etc/reel-ingest/watches.d/line-1.toml.example" ] || fail "conffiles: $(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)"
contents=$(dpkg-deb --contents "$DEB" | awk '{print $6}' | sed 's|^\./|/|')
for path in /usr/bin/reel-ingest /usr/libexec/reel-ingest/reel-ingest /usr/libexec/reel-ingest/reel-ingest-media \
    /etc/reel-ingest/agent.toml /etc/reel-ingest/watches.d/ /lib/systemd/system/reel-ingest.service \
    /lib/systemd/system/reel-ingest-retry.service /lib/systemd/system/reel-ingest-retry.timer \
    /usr/lib/sysusers.d/reel-ingest.conf /usr/lib/tmpfiles.d/reel-ingest.conf \
    /usr/share/bash-completion/completions/reel-ingest /usr/share/zsh/vendor-completions/_reel-ingest \
    /usr/share/fish/vendor_completions.d/reel-ingest.fish /usr/share/man/man1/reel-ingest.1.gz \
    /usr/share/doc/reel-ingest/copyright /usr/share/doc/reel-ingest/examples/cron.d/reel-ingest \
    /usr/lib/reel-ingest/libswiftCore.so /usr/lib/reel-ingest/libFoundation.so; do
    grep -qxF "$path" <<<"$contents" || fail "package lacks $path"
done
pass "dpkg-deb --info and --contents: $(stat -c %s "$DEB") bytes, Depends: $(field Depends)"

# --- the system before ------------------------------------------------------------------------------------
# Everything a package can touch, minus dpkg's and apt's own bookkeeping, caches and logs. useradd and
# systemd-sysusers leave backups of the account files; the account itself is kept on purge (see postrm).
snapshot() {
    find /etc /lib /usr /var -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache/apt -o \
        -path /var/cache/debconf -o -path /var/cache/man -o -path /var/cache/ldconfig -o -path /var/log -o \
        -path /var/tmp -o -path /var/mail -o -path /var/spool \) -prune -o -print |
        grep -Ev '^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-$|^/etc/ld\.so\.cache$' | sort
}
work=.build/test-deb
rm -rf "$work" && mkdir -p "$work"
snapshot >"$work/before.txt"
dpkg-query -W -f='${Package}\n' | sort >"$work/packages-before.txt"

# --- install ---------------------------------------------------------------------------------------------
if ! dpkg_retry dpkg -i "$DEB"; then
    echo "test-deb: dpkg -i left dependencies missing; apt-get -f install"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -f install -y -qq
fi
dpkg-query -W -f='${Status}' reel-ingest | grep -q "install ok installed" || fail "not installed"
pass "installed"

/usr/bin/reel-ingest --version | tee "$work/version.txt"
head -1 "$work/version.txt" | grep -q "^reel-ingest $version " || fail "--version: $(head -1 "$work/version.txt")"
grep -q "^FFmpeg [0-9]" "$work/version.txt" || fail "--version does not reach reel-ingest-media"
grep -q "^libcurl [0-9]" "$work/version.txt" || fail "--version lacks libcurl"
grep -q "^SQLite 3\." "$work/version.txt" || fail "--version lacks SQLite"
pass "/usr/bin/reel-ingest --version"
# This machine has a Swift toolchain; the installed binaries must not need it: every library resolves, and the
# Swift runtime comes from the package's private folder.
for b in reel-ingest reel-ingest-media; do
    needs=$(ldd "/usr/libexec/reel-ingest/$b")
    ! grep -q "not found" <<<"$needs" || fail "$b: a library is not found: $(grep "not found" <<<"$needs")"
    grep -q "libswiftCore.so => /usr/lib/reel-ingest/libswiftCore.so" <<<"$needs" ||
        fail "$b loads the Swift runtime from elsewhere: $(grep libswiftCore <<<"$needs")"
    ! grep -E "=> /(opt|home|root)/" <<<"$needs" || fail "$b loads a library from outside the package and the system"
done
pass "the binaries load the Swift runtime from /usr/lib/reel-ingest and nothing from the toolchain"

getent passwd reel-ingest | grep -q ":/var/lib/reel-ingest:/usr/sbin/nologin$" || fail "user: $(getent passwd reel-ingest)"
for dir in /var/lib/reel-ingest /var/cache/reel-ingest; do
    [ "$(stat -c '%U:%G %a' "$dir")" = "reel-ingest:reel-ingest 750" ] || fail "$dir: $(stat -c '%U:%G %a' "$dir")"
done
pass "user reel-ingest, state and cache directories"

[ -L /etc/systemd/system/multi-user.target.wants/reel-ingest.service ] || fail "reel-ingest.service not enabled"
[ -L /etc/systemd/system/timers.target.wants/reel-ingest-retry.timer ] || fail "retry timer not enabled"
if [ -d /run/systemd/system ]; then
    systemctl is-active --quiet reel-ingest.service && fail "the agent was started on install"
fi
pass "units enabled, not started"

# The man page is checked through Documentation=man:reel-ingest(1) unless dpkg excludes man pages here.
man_check=yes
man -w reel-ingest >/dev/null 2>&1 || { man_check=no && echo "test-deb: no man page installed here (path-exclude?)"; }
systemd-analyze verify --man="$man_check" /lib/systemd/system/reel-ingest.service \
    /lib/systemd/system/reel-ingest-retry.service /lib/systemd/system/reel-ingest-retry.timer
pass "systemd-analyze verify (man=$man_check)"

bash -c 'source /usr/share/bash-completion/completions/reel-ingest && complete -p reel-ingest' >/dev/null ||
    fail "bash completion does not load"
pass "bash completion loads"

# The installed agent, as its user, on the packaged configuration and under a stand-in for systemd's notify
# socket: READY=1, then STOPPING=1 and exit 0 on SIGTERM.
as_agent=(setpriv --reuid=reel-ingest --regid=reel-ingest --init-groups)
"${as_agent[@]}" /usr/bin/reel-ingest config check >/dev/null 2>"$work/check.txt" ||
    fail "config check as reel-ingest: $(cat "$work/check.txt")"
notify=$(mktemp -d /tmp/reel-ingest-notify.XXXXXX)
chmod 755 "$notify"
python3 -u - "$notify/socket" >"$work/notify.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
print("LISTENING", flush=True)
while True:
    message = s.recv(4096).decode()
    print(message.replace("\n", " "), flush=True)
    if "STOPPING=1" in message:
        break
PY
listener=$!
agent=""
# Whatever happens, no process of this test outlives it.
trap 'kill $listener $agent 2>/dev/null || true' EXIT
await() { # FILE TEXT: waits up to 30 s for TEXT to appear in FILE
    for _ in $(seq 300); do
        grep -q "$2" "$1" && return 0
        sleep 0.1
    done
    return 1
}
await "$work/notify.txt" LISTENING || fail "notify listener did not start"
NOTIFY_SOCKET="$notify/socket" WATCHDOG_USEC=2000000 "${as_agent[@]}" /usr/bin/reel-ingest run 2>"$work/run.log" &
agent=$!
await "$work/notify.txt" "READY=1" || { cat "$work/run.log"; fail "the installed agent sent no READY=1"; }
"${as_agent[@]}" /usr/bin/reel-ingest status >/dev/null || fail "status as reel-ingest"
kill -TERM "$agent"
status=0
wait "$agent" || status=$?
[ "$status" = 0 ] || { cat "$work/run.log"; fail "the agent exited $status on SIGTERM"; }
await "$work/notify.txt" "STOPPING=1" || fail "no STOPPING=1"
wait "$listener"
trap - EXIT
rm -rf "$notify"
pass "installed agent as reel-ingest: READY=1, STOPPING=1, exit 0 on SIGTERM"

# watch add on the packaged install prints the drop-in; created as printed, purge must remove both.
share=$(mktemp -d /tmp/reel-ingest-share.XXXXXX)
/usr/bin/reel-ingest watch add "$share" --name pkgtest >"$work/watch-add.txt"
grep -q "ReadWritePaths=\"$share\"" "$work/watch-add.txt" || fail "watch add printed no drop-in: $(cat "$work/watch-add.txt")"
sed -n '/^mkdir -p/,/^EOF$/p' "$work/watch-add.txt" | sh
[ -f /etc/systemd/system/reel-ingest.service.d/watch-pkgtest.conf ] || fail "drop-in not created"
systemd-analyze verify --man=no /lib/systemd/system/reel-ingest.service || fail "unit with the drop-in"
rmdir "$share"
pass "watch add prints a drop-in systemd accepts"

# --- remove: binaries go, configuration and state stay --------------------------------------------------
dpkg_retry dpkg -r reel-ingest
dpkg-query -W -f='${Status}' reel-ingest | grep -q "deinstall ok config-files" || fail "status after dpkg -r"
for gone in /usr/libexec/reel-ingest/reel-ingest /usr/bin/reel-ingest; do
    [ ! -e "$gone" ] || fail "dpkg -r left $gone"
done
for kept in /etc/reel-ingest/agent.toml /etc/reel-ingest/watches.d/pkgtest.toml /var/lib/reel-ingest/reel-ingest.sqlite; do
    [ -e "$kept" ] || fail "dpkg -r removed $kept"
done
pass "dpkg -r keeps configuration and state"

# --- purge: the system as before --------------------------------------------------------------------------
dpkg_retry dpkg -P reel-ingest
dpkg-query -W -f='${Status}' reel-ingest 2>/dev/null | grep -q installed && fail "still known to dpkg after -P"
snapshot >"$work/after.txt"
# Packages apt-get -f install brought in (or anyone installed meanwhile) stay: their files are not ours.
dpkg-query -W -f='${Package}\n' | sort >"$work/packages-after.txt"
comm -13 "$work/packages-before.txt" "$work/packages-after.txt" | xargs -r dpkg -L 2>/dev/null | sort -u \
    >"$work/new-package-files.txt"
comm -13 "$work/before.txt" "$work/after.txt" | comm -23 - "$work/new-package-files.txt" >"$work/added.txt" || true
comm -23 "$work/before.txt" "$work/after.txt" >"$work/removed.txt" || true
if [ -s "$work/added.txt" ] || [ -s "$work/removed.txt" ]; then
    echo "left behind:" && cat "$work/added.txt"
    echo "gone:" && cat "$work/removed.txt"
    fail "dpkg -P did not restore the file system"
fi
pass "dpkg -P leaves the file system as before ($(wc -l <"$work/before.txt") paths compared)"
echo "test-deb: all checks passed for $DEB"
