#!/usr/bin/env bash
# Builds dist/reel-ingest_<version>_<arch>.deb with dpkg-deb (no debhelper): the release binaries
# (packaging/build-release.sh) and the Swift runtime libraries they load, as private libraries in /usr/lib/reel-ingest
# (so the server needs no Swift toolchain), the configuration as conffiles, the systemd units, sysusers.d/tmpfiles.d,
# completions and a man page generated from the argument parser, and Depends: computed by dpkg-shlibdeps from the
# binaries' real shared-library needs. Then lintian.
#
# Usage: packaging/build-deb.sh [OUTDIR]     (default dist/; SWIFT=... to pick the toolchain, RELEASE_SCRATCH=DIR
#                                            for the release build's folder: see packaging/build-release.sh)
# The man page comes from swift-argument-parser's generate-manual plugin, run on the release build (same flags: it
# builds nothing more).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
out=${1:-dist}
version=$(scripts/version.sh)
arch=$(dpkg --print-architecture)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(scripts/version.sh --epoch)}
work=.build/deb
# Staged as debian/reel-ingest/ of $work so that dpkg-shlibdeps knows the private libraries as the package's own.
root=$work/debian/reel-ingest
private=/usr/lib/reel-ingest
deb="$out/reel-ingest_${version}_${arch}.deb"

step() { printf '== %s\n' "$*"; }

step "release build $version"
bin=$(packaging/build-release.sh | tail -n 1)

step "man page (swift-argument-parser's generate-manual plugin)"
. packaging/release-flags.sh
$SWIFT package "${RELEASE_FLAGS[@]}" generate-manual --configuration release \
    --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" --authors "reel-ingest maintainers" >"$work.man.log" 2>&1 ||
    { cat "$work.man.log"; exit 1; }
manual=.build/plugins/GenerateManual/outputs/reel-ingest/reel-ingest.1

step "staging $root"
rm -rf "$work/debian"
install -d "$root/DEBIAN"
# Both binaries live in /usr/libexec/reel-ingest: the worker is no command of its own, and `reel-ingest` finds
# it beside its own resolved path. /usr/bin/reel-ingest is a symlink.
install -d "$root/usr/libexec/reel-ingest" "$root/usr/bin"
for b in reel-ingest reel-ingest-media; do
    install -m 0755 "$bin/$b" "$root/usr/libexec/reel-ingest/$b"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/libexec/reel-ingest/$b"
done
ln -s ../libexec/reel-ingest/reel-ingest "$root/usr/bin/reel-ingest"
# The Swift runtime and Foundation the binaries load, from the toolchain (whatever ldd resolves outside the system's
# library folders), once for both; each binary and library finds them through its RUNPATH, set to that folder alone.
toolchain_libs=$(ldd "$bin/reel-ingest" "$bin/reel-ingest-media" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
    grep -v -E '^/(usr/)?lib(64)?/' | sort -u)
[ -n "$toolchain_libs" ] || { echo "ldd found no Swift runtime libraries to carry" >&2; exit 1; }
install -d "$root$private"
for lib in $toolchain_libs; do
    install -m 0644 "$lib" "$root$private/"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root$private/$(basename "$lib")"
    patchelf --set-rpath "$private" "$root$private/$(basename "$lib")"
done
for b in reel-ingest reel-ingest-media; do patchelf --set-rpath "$private" "$root/usr/libexec/reel-ingest/$b"; done

install -D -m 0644 etc/reel-ingest/agent.toml "$root/etc/reel-ingest/agent.toml"
install -D -m 0644 etc/reel-ingest/watches.d/line-1.toml.example "$root/etc/reel-ingest/watches.d/line-1.toml.example"
for unit in reel-ingest.service reel-ingest-retry.service reel-ingest-retry.timer; do
    install -D -m 0644 "packaging/systemd/$unit" "$root/lib/systemd/system/$unit"
done
install -D -m 0644 packaging/sysusers.d/reel-ingest.conf "$root/usr/lib/sysusers.d/reel-ingest.conf"
install -D -m 0644 packaging/tmpfiles.d/reel-ingest.conf "$root/usr/lib/tmpfiles.d/reel-ingest.conf"

# Completions from the binary's own parser (the stripped release binary: what the package runs, with the runtime it
# will load from /usr/lib/reel-ingest).
exe="$root/usr/libexec/reel-ingest/reel-ingest"
export LD_LIBRARY_PATH="$root$private"
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
# bash-completion sources the file: no #! line (lintian: bash-completion-with-hashbang).
"$exe" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/reel-ingest"
"$exe" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_reel-ingest"
"$exe" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/reel-ingest.fish"

unset LD_LIBRARY_PATH
install -D -m 0644 "$manual" "$root/usr/share/man/man1/reel-ingest.1"
gzip -9n "$root/usr/share/man/man1/reel-ingest.1"

doc="$root/usr/share/doc/reel-ingest"
install -D -m 0644 packaging/debian/copyright "$doc/copyright"
install -m 0644 README.md "$doc/README.md"
gzip -9n "$doc/README.md"
# The README links to docs/; keep the links working beside it.
install -d "$doc/docs"
for page in docs/*.md; do install -m 0644 "$page" "$doc/$page"; done
gzip -9n "$doc"/docs/*.md
install -D -m 0644 packaging/cron/reel-ingest "$doc/examples/cron.d/reel-ingest"
# A native package's changelog: one entry for this build.
cat >"$doc/changelog" <<CHANGELOG
reel-ingest ($version) unstable; urgency=medium

  * Build of commit $(git rev-parse HEAD 2>/dev/null || echo unknown).

 -- reel-ingest maintainers <maintainers@users.noreply.b-seed-142336b3.example>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGELOG
gzip -9n "$doc/changelog"

step "control files"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
printf '%s\n' /etc/reel-ingest/agent.toml /etc/reel-ingest/watches.d/line-1.toml.example >"$root/DEBIAN/conffiles"
# dpkg-shlibdeps reads debian/control of a source tree; give it a minimal one. The private libraries are analysed
# too (their own needs: libstdc++, libgcc), and satisfied by the package itself.
printf 'Source: reel-ingest\n\nPackage: reel-ingest\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -l"debian/reel-ingest$private" \
    debian/reel-ingest/usr/libexec/reel-ingest/reel-ingest debian/reel-ingest/usr/libexec/reel-ingest/reel-ingest-media \
    debian/reel-ingest$private/*.so |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
    packaging/debian/control.in >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
# Reproducible: every mtime is the commit's.
find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"

step "dpkg-deb --build $deb"
install -d "$out"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb"
ls -l "$deb"

step "lintian"
# Errors and warnings fail the build; the info-level findings left are explained in docs/install.md ("Building the package").
lintian --fail-on error,warning "$deb"
echo "built $deb"
