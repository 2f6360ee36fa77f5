// Package app wires configuration, store, catalog and services for the
// commands, in one place.
package app

import (
	"runtime/debug"
)

// BuildVersion returns the version and commit: from -ldflags when set,
// else from the module's build info.
func BuildVersion(version, commit string) (string, string) {
	if version != "" && commit != "" {
		return version, commit // release builds: no build info to parse at start-up
	}
	info, ok := debug.ReadBuildInfo()
	if version == "" {
		version = "dev"
		if ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = moduleVersion(info.Main.Version)
		}
	}
	if commit == "" && ok {
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
				if len(commit) > 12 {
					commit = commit[:12]
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if commit != "" && dirty {
			commit += "+dirty"
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}

// moduleVersion is a module version as releases print theirs: the tag
// without its "v" (go install …@v1.2.3 printed v1.2.3, the release
// archive of the same tag 1.2.3).
func moduleVersion(v string) string {
	if len(v) > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}
