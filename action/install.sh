#!/usr/bin/env bash
# Installs hookctl for the action: builds it from the action's own checkout
# (INPUT_VERSION=source) or downloads a release archive, checks it against
# the release's checksums, and puts it on the job's PATH (GITHUB_PATH).
set -euo pipefail
version="${INPUT_VERSION:-latest}"
root="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
bin="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/hookctl-bin"
mkdir -p "$bin"
exe=hookctl
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*|Windows_NT) exe=hookctl.exe ;; esac

if [ "$version" = source ]; then
  (cd "$root" && go build -buildvcs=true -o "$bin/$exe" .)
else
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case "$os" in mingw*|msys*|cygwin*) os=windows ;; esac
  arch=$(uname -m)
  case "$arch" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;;
    *) echo "hookctl: error: no release for architecture $arch" >&2; exit 1 ;; esac
  # HOOKCTL_RELEASES_URL points at a mirror of the releases (and the tests
  # at a local one).
  base="${HOOKCTL_RELEASES_URL:-https://github.com/hookctl/hookctl/releases}"
  if [ "$version" = latest ]; then
    version=$(curl -fsSLI -o /dev/null -w '%{url_effective}' "$base/latest" | sed 's|.*/tag/||')
    case "$version" in */*|"") echo "hookctl: error: no latest release found at $base" >&2; exit 1 ;; esac
  fi
  ver="${version#v}"
  version="v$ver"   # the tag: 1.2.3 and v1.2.3 both name v1.2.3
  ext=tar.gz; [ "$os" = windows ] && ext=zip
  archive="hookctl_${ver}_${os}_${arch}.${ext}"
  tmp=$(mktemp -d)
  curl -fsSL -o "$tmp/$archive" "$base/download/$version/$archive"
  curl -fsSL -o "$tmp/checksums.txt" "$base/download/$version/checksums.txt"
  # The archive's own line (its name compared whole, not as a pattern), checked
  # with sha256sum, or shasum on macOS, which has no sha256sum.
  sum="sha256sum"; command -v sha256sum >/dev/null 2>&1 || sum="shasum -a 256"
  line=$(awk -v f="$archive" '$2 == f' "$tmp/checksums.txt" | head -1)
  [ -n "$line" ] || { echo "hookctl: error: $archive is not in the release's checksums.txt" >&2; exit 1; }
  (cd "$tmp" && printf '%s\n' "$line" | $sum -c -) || { echo "hookctl: error: $archive does not match its checksum: not installed" >&2; exit 1; }
  if [ "$ext" = zip ]; then unzip -q -o "$tmp/$archive" -d "$tmp/x"; else mkdir -p "$tmp/x" && tar -xzf "$tmp/$archive" -C "$tmp/x"; fi
  cp "$tmp/x/$exe" "$bin/$exe"
fi
chmod +x "$bin/$exe"
[ -n "${GITHUB_PATH:-}" ] && echo "$bin" >> "$GITHUB_PATH"
"$bin/$exe" version
