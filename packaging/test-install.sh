#!/usr/bin/env bash
# The installed package on a clean Debian 12 root without the Swift toolchain: debootstrap a minbase
# bookworm, install the .deb there with dpkg -i and apt-get -f install (so only the package and its Depends:
# come in), then run reel-ingest --version, config check and probe (through reel-ingest-media and FFmpeg).
# Then, with systemd added to the root, boot it with systemd-nspawn and run the packaged units for real:
# Type=notify start, STATUS=, reload, the sandbox writing into a watched share through the drop-in `watch add`
# prints, a clip probed under the seccomp filter, systemd-analyze security, stop, and the retry sweep.
# As root (sudo otherwise); a few minutes, mostly debootstrap.
#
# Usage: packaging/test-install.sh [DEB]    (default: builds it with packaging/build-deb.sh)
#        MIRROR=http://deb.debian.org/debian KEEP=1 (keep the chroot in .build/test-install/root)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || exec sudo --preserve-env=SWIFT,MIRROR,KEEP "$0" "$@"

mirror=${MIRROR:-http://deb.debian.org/debian}
work=$PWD/.build/test-install
root=$work/root
fail() {
    echo "test-install: FAIL: $*" >&2
    exit 1
}
pass() { echo "test-install: ok: $*"; }

deb=${1:-}
if [ -z "$deb" ]; then
    packaging/build-deb.sh dist
    deb=dist/reel-ingest_$(scripts/version.sh)_$(dpkg --print-architecture).deb
fi
[ -f "$deb" ] || fail "no package at $deb"

nspawn_pid=""
cleanup() {
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill "$nspawn_pid" # the container's systemd powers off
        wait "$nspawn_pid" 2>/dev/null || true
    fi
    if mountpoint -q "$root/proc"; then umount "$root/proc"; fi
    [ -n "${KEEP:-}" ] || rm -rf "$root"
}
trap cleanup EXIT
cleanup
mkdir -p "$work/debs"

echo "test-install: debootstrap bookworm from $mirror"
start=$(date +%s)
debootstrap --variant=minbase --cache-dir="$work/debs" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
pass "minbase bookworm in $(($(date +%s) - start)) s"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
cp "$deb" "$root/tmp/reel-ingest.deb"
if ! in_root dpkg -i /tmp/reel-ingest.deb >"$work/install.log" 2>&1; then
    in_root apt-get update -qq >>"$work/install.log" 2>&1
    in_root env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq --no-install-recommends \
        >>"$work/install.log" 2>&1 || { tail -30 "$work/install.log"; fail "apt-get -f install"; }
fi
# shellcheck disable=SC2016 # dpkg-query's own ${...} format
in_root dpkg-query -W -f='${Status}' reel-ingest | grep -q "install ok installed" ||
    { tail -30 "$work/install.log"; fail "reel-ingest not installed"; }
# shellcheck disable=SC2016
pass "installed with its Depends: $(in_root dpkg-query -W -f='${binary:Package} ' | wc -w) packages in the root"

# No Swift but the package's own copy of the runtime (in /usr/lib/reel-ingest, which the binaries' RUNPATH names).
found=$(find "$root" -xdev -path "$root/usr/lib/reel-ingest" -prune -o \
    \( -name 'libswiftCore*' -o -name 'libFoundation*.so*' -o -name swift \) -print -quit)
[ -z "$found" ] || fail "Swift runtime in the root outside the package: $found"
in_root sh -c '! command -v swift' >/dev/null || fail "a swift command in the root"
pass "no Swift toolchain in the root; the runtime only in the package's /usr/lib/reel-ingest"

in_root /usr/bin/reel-ingest --version | tee "$work/version.txt"
grep -q "^FFmpeg [0-9]" "$work/version.txt" || fail "--version: FFmpeg unknown"
grep -q "^SQLite 3\." "$work/version.txt" || fail "--version lacks SQLite"
grep -q "^libcurl [0-9]" "$work/version.txt" || fail "--version lacks libcurl"
pass "reel-ingest --version"

as_agent=(chroot --userspec=reel-ingest:reel-ingest "$root" env -i PATH=/usr/bin:/bin LANG=C.UTF-8)
"${as_agent[@]}" /usr/bin/reel-ingest config check >/dev/null 2>"$work/check.txt" || { cat "$work/check.txt"; fail "config check"; }
pass "reel-ingest config check as reel-ingest: $(tail -1 "$work/check.txt")"

# probe goes through reel-ingest-media, which loads FFmpeg: a real clip made on the host.
if command -v ffmpeg >/dev/null; then
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -pix_fmt yuv420p \
        "$root/tmp/clip.mp4"
    in_root /usr/bin/reel-ingest probe /tmp/clip.mp4 --json | grep -q '"container" *: *"mp4"' || fail "probe"
    pass "reel-ingest probe (reel-ingest-media, FFmpeg) on a 320x240 clip"
fi

# --- the units under systemd ------------------------------------------------------------------------------
umount "$root/proc"
mount -t proc proc "$root/proc"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd systemd-sysv \
    >>"$work/install.log" 2>&1 || { tail -20 "$work/install.log"; fail "installing systemd in the root"; }
# A share, added the documented way: watch add, then the drop-in it prints.
in_root install -d -o reel-ingest -g reel-ingest /srv/line-1
in_root /usr/bin/reel-ingest watch add /srv/line-1 --name line-1 >"$work/watch-add.txt"
sed -n '/^mkdir -p/,/^EOF$/p' "$work/watch-add.txt" | in_root sh
[ -f "$root/etc/systemd/system/reel-ingest.service.d/watch-line-1.conf" ] || fail "no drop-in from watch add"
umount "$root/proc"

# mlock is allowed under the unit's filter (@system-service includes @memlock) but not in nspawn's own.
setsid systemd-nspawn --quiet --register=no --keep-unit --boot --machine=reel-ingest-test \
    --system-call-filter=@memlock --directory="$root" >"$work/nspawn.log" 2>&1 </dev/null &
nspawn_pid=$!
init=""
for _ in $(seq 100); do
    init=$(pgrep -P "$nspawn_pid" -x systemd || true)
    [ -n "$init" ] && break
    sleep 0.2
done
[ -n "$init" ] || { cat "$work/nspawn.log"; fail "systemd-nspawn did not boot"; }
in_system() { nsenter --target "$init" --all env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
until_true() { # SECONDS COMMAND...: retries the command every 0.2 s
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}
# Type=notify: active only once the agent sent READY=1.
until_true 90 in_system systemctl is-active --quiet reel-ingest.service ||
    { in_system journalctl -u reel-ingest --no-pager | tail -20; fail "reel-ingest.service did not become active"; }
status=$(in_system systemctl show -p StatusText --value reel-ingest.service)
[[ $status == "watching 1 folder; queue: 0 waiting"* ]] || fail "STATUS=: $status"
pass "systemd started reel-ingest.service (READY=1): $status"

in_system systemctl reload reel-ingest.service || fail "systemctl reload"
in_system journalctl -u reel-ingest --no-pager -o cat | grep -q "cause=SIGHUP .*configuration reloaded" ||
    fail "no reload in the journal"
pass "systemctl reload (RELOADING=1, READY=1)"

# The sandboxed agent writes into the share (error note) and probes a clip under the seccomp filter and
# MemoryDenyWriteExecute.
echo "a text file with a video name" >"$root/srv/line-1/notes.mp4"
if command -v ffmpeg >/dev/null; then
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -pix_fmt yuv420p \
        "$work/clip.mp4"
    cp "$work/clip.mp4" "$root/srv/line-1/.clip.tmp" && mv "$root/srv/line-1/.clip.tmp" "$root/srv/line-1/clip.mp4"
fi
until_true 60 test -f "$root/srv/line-1/notes.mp4.error.txt" ||
    { in_system journalctl -u reel-ingest --no-pager | tail -20; fail "no error note written into the share"; }
grep -q "not a video" "$root/srv/line-1/notes.mp4.error.txt" || fail "note: $(cat "$root/srv/line-1/notes.mp4.error.txt")"
pass "the service wrote notes.mp4.error.txt into the share: $(head -1 "$root/srv/line-1/notes.mp4.error.txt")"
if [ -f "$work/clip.mp4" ]; then
    clip_recorded() { in_system journalctl -u reel-ingest -o cat | grep "clip.mp4" | grep -q recorded; }
    until_true 60 clip_recorded ||
        { in_system journalctl -u reel-ingest --no-pager | tail -20; fail "clip.mp4 not recorded"; }
    in_system journalctl -u reel-ingest -o cat | grep "clip.mp4" | grep -q rejected && fail "clip.mp4 rejected"
    pass "clip.mp4 recorded after its probe in the sandbox"
    # The whole pipeline under the sandbox: the transcode worker (x264, threads, its nice level and limits) and
    # the file store under /var/lib/reel-ingest/published, the packaged configuration's storage.url.
    published() { compgen -G "$root/var/lib/reel-ingest/published/videos/*/video.json" >/dev/null; }
    until_true 300 published ||
        { in_system journalctl -u reel-ingest --no-pager | tail -20; fail "clip.mp4 was not published"; }
    pass "clip.mp4 transcoded and published in the sandbox: $(compgen -G "$root/var/lib/reel-ingest/published/videos/*/video.json" | sed "s|^$root||")"
fi

in_system systemd-analyze security reel-ingest.service --no-pager >"$work/security.txt" 2>&1 || true
score=$(grep -o "Overall exposure level for reel-ingest.service: .*" "$work/security.txt")
[ -n "$score" ] || { cat "$work/security.txt"; fail "systemd-analyze security"; }
pass "systemd-analyze security: $score"

in_system systemctl start reel-ingest-retry.service || fail "retry sweep: $(in_system journalctl -u reel-ingest-retry --no-pager | tail -5)"
in_system systemctl is-active --quiet reel-ingest-retry.timer || fail "the retry timer is not active"
next=$(in_system systemctl show -p NextElapseUSecRealtime --value reel-ingest-retry.timer)
[ -n "$next" ] || fail "the retry timer has no next run"
pass "reel-ingest-retry.service ran in its sandbox; the timer is active, next run $next"

noise=$(in_system journalctl -u reel-ingest -o cat | grep -c "Failed to set thread priority" || true)
in_system systemctl stop reel-ingest.service
[ "$(in_system systemctl show -p Result --value reel-ingest.service)" = success ] || fail "stop result"
in_system journalctl -u reel-ingest --no-pager -o cat | grep -q "reel-ingest agent stopped" || fail "no clean stop"
pass "systemctl stop: clean exit (libdispatch thread-priority lines in the journal: $noise)"
echo "test-install: all checks passed for $deb"
