#!/usr/bin/env bash
# Installs hookctl for the action: builds it from the action's own checkout
# (INPUT_VERSION=source) or downloads a release archive, checks it against
# the release's checksums, and puts it on the job's PATH (GITHUB_PATH).
#
# Exit status as hookctl's own: 2 for a version input that names no release
# (bad input), 3 when the releases cannot be reached or the runner lacks
# what the install needs (environment), 1 when the source build fails.
set -euo pipefail

# die CODE MESSAGE [HINT…]: hookctl's voice, on stderr, and exit CODE.
die() {
  local code=$1 msg=$2
  shift 2
  echo "hookctl: error: $msg" >&2
  local h
  for h in "$@"; do echo "hookctl: hint: $h" >&2; done
  exit "$code"
}

version="${INPUT_VERSION:-}"
# Surrounding blanks (a YAML value copied with its space) are not part of it.
version="${version#"${version%%[![:space:]]*}"}"
version="${version%"${version##*[![:space:]]}"}"
[ -n "$version" ] || version=latest
root="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
bin="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/hookctl-bin"
exe=hookctl
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*|Windows_NT) exe=hookctl.exe ;; esac
want="the version input takes a release tag (v1.2.3 or 1.2.3), 'latest', or 'source' (build from the checked-out hookctl repository)"

case "$version" in
  latest|source) ;;
  *)
    # A release tag: v1.2.3 or 1.2.3, maybe with a pre-release or build
    # suffix (v1.2.3-rc.1). Anything else would only have become a 404 (or
    # a malformed URL) from curl.
    if ! [[ "$version" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
      die 2 "the version input \"$version\" is not a release tag" "$want"
    fi ;;
esac

if [ "$version" = source ]; then
  command -v go >/dev/null 2>&1 ||
    die 3 "the version input 'source' builds hookctl with Go, and there is no go on the runner's PATH" \
      "set up Go in an earlier step (actions/setup-go), or install a release: version: latest"
  mkdir -p "$bin"
  (cd "$root" && go build -buildvcs=true -o "$bin/$exe" .) ||
    die 1 "could not build hookctl from $root (go build's error is above)"
else
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case "$os" in mingw*|msys*|cygwin*) os=windows ;; esac
  arch=$(uname -m)
  case "$arch" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;;
    *) die 3 "no release for architecture $arch (releases are built for amd64 and arm64)" \
         "build it instead: version: source (needs Go)" ;; esac
  command -v curl >/dev/null 2>&1 || die 3 "the action's install step needs curl on the runner"
  # HOOKCTL_RELEASES_URL points at a mirror of the releases (and the tests
  # at a local one).
  base="${HOOKCTL_RELEASES_URL:-https://github.com/hookctl/hookctl/releases}"
  base="${base%/}"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # fetch URL FILE: downloads URL into FILE; prints the HTTP status it got
  # (000 when no answer came) and returns curl's status.
  fetch() {
    local code rc=0
    code=$(curl -sSL -o "$2" -w '%{http_code}' "$1" 2>"$tmp/curl.err") || rc=$?
    printf '%s' "${code:-000}"
    [ "$rc" = 0 ] && [ "${code:-000}" -lt 400 ] 2>/dev/null
  }
  reason() { sed -n 's/^curl: ([0-9]*) //p' "$tmp/curl.err" | head -1; }
  if [ "$version" = latest ]; then
    code=$(curl -sSLI -o /dev/null -w '%{http_code} %{url_effective}' "$base/latest" 2>"$tmp/curl.err") ||
      die 3 "cannot reach $base to find the latest release: $(reason)" \
        "is the runner offline, or behind a proxy? HOOKCTL_RELEASES_URL names a mirror of the releases"
    status=${code%% *}
    version=$(sed 's|.*/tag/||' <<<"${code#* }")
    case "$version" in */*|"") die 3 "no latest release found at $base (HTTP $status from $base/latest)" ;; esac
  fi
  ver="${version#v}"
  version="v$ver"   # the tag: 1.2.3 and v1.2.3 both name v1.2.3
  ext=tar.gz; [ "$os" = windows ] && ext=zip
  archive="hookctl_${ver}_${os}_${arch}.${ext}"
  # checksums.txt first: without it the release itself is not there.
  if ! code=$(fetch "$base/download/$version/checksums.txt" "$tmp/checksums.txt"); then
    case "$code" in
      404) die 2 "there is no release $version at $base" "$want" "the releases are listed at $base" ;;
      000) die 3 "cannot reach $base to download release $version: $(reason)" \
             "is the runner offline, or behind a proxy? HOOKCTL_RELEASES_URL names a mirror of the releases" ;;
      *) die 3 "cannot download release $version's checksums.txt from $base: HTTP $code" "try again later (rate limit, outage)" ;;
    esac
  fi
  if ! code=$(fetch "$base/download/$version/$archive" "$tmp/$archive"); then
    case "$code" in
      404) die 3 "release $version has no archive for $os/$arch ($archive)" "build it instead: version: source (needs Go)" ;;
      000) die 3 "cannot download $archive from $base: $(reason)" ;;
      *) die 3 "cannot download $archive from $base: HTTP $code" "try again later (rate limit, outage)" ;;
    esac
  fi
  # The archive's own line (its name compared whole, not as a pattern), checked
  # with sha256sum, or shasum on macOS, which has no sha256sum.
  sum="sha256sum"; command -v sha256sum >/dev/null 2>&1 || sum="shasum -a 256"
  line=$(awk -v f="$archive" '$2 == f' "$tmp/checksums.txt" | head -1)
  [ -n "$line" ] || die 1 "$archive is not in the release's checksums.txt: not installed"
  (cd "$tmp" && printf '%s\n' "$line" | $sum -c -) || die 1 "$archive does not match its checksum: not installed"
  if [ "$ext" = zip ]; then unzip -q -o "$tmp/$archive" -d "$tmp/x"; else mkdir -p "$tmp/x" && tar -xzf "$tmp/$archive" -C "$tmp/x"; fi
  [ -f "$tmp/x/$exe" ] || die 1 "$archive holds no $exe: not installed"
  mkdir -p "$bin"
  cp "$tmp/x/$exe" "$bin/$exe"
fi
chmod +x "$bin/$exe"
[ -n "${GITHUB_PATH:-}" ] && echo "$bin" >> "$GITHUB_PATH"
"$bin/$exe" version
