#!/usr/bin/env bash
# Builds the hookctl binaries that wrote the fixtures in this directory:
# for each store schema version, the last commit (on main's first-parent
# history) where that version was the newest migration. Output:
# $BIN_DIR/hookctl-<commit12> (default /tmp/upg-bin). Run from the repo.
set -euo pipefail
BIN_DIR=${BIN_DIR:-/tmp/upg-bin}
mkdir -p "$BIN_DIR"
repo=$(git rev-parse --show-toplevel)
while read -r commit _; do
	[ -n "$commit" ] || continue
	case $commit in \#*) continue ;; esac
	# ONLY="f3f03ab 651e646": build those commits only (7-hex prefixes)
	if [ -n "${ONLY:-}" ]; then case " $ONLY " in *" ${commit:0:7} "*) ;; *) continue ;; esac; fi
	out=$BIN_DIR/hookctl-${commit:0:12}
	[ -x "$out" ] && continue
	wt=/tmp/upg-${commit:0:12}
	git -C "$repo" worktree add --detach "$wt" "$commit" >/dev/null 2>&1
	(cd "$wt" && CGO_ENABLED=0 go build -buildvcs=false -o "$out" .) || echo "build of $commit failed" >&2
	git -C "$repo" worktree remove --force "$wt"
	echo "built $out" >&2
done < "$(dirname "$0")/commits.txt"
