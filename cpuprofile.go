package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/hookctl/hookctl/cmd"
)

// HOOKCTL_CPUPROFILE=FILE (hidden: not in --help; documented in
// bench/README.md): the whole process runs under a pprof CPU profile written
// to FILE, of any command. bench/pgo.sh uses it to collect the profiles
// default.pgo is made of. The profile is flushed when the command returns:
// on a normal exit, and on SIGINT or SIGTERM for the commands that stop
// cleanly on them (listen, worker, trigger, replay, serve).
//
// It takes over from init, where only the environment is read (no file or
// terminal is touched unless the variable is set), because main's
// os.Exit(cmd.Main()) would skip a deferred StopCPUProfile.
func init() {
	if path := os.Getenv("HOOKCTL_CPUPROFILE"); path != "" {
		os.Exit(runProfiled(path))
	}
}

func runProfiled(path string) int {
	// listen, trigger and replay have their own HOOKCTL_CPUPROFILE (the
	// run only): they must not create the file a second time.
	_ = os.Unsetenv("HOOKCTL_CPUPROFILE")
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hookctl: HOOKCTL_CPUPROFILE: %v\n", err)
		return 1
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "hookctl: HOOKCTL_CPUPROFILE: %v\n", err)
		_ = f.Close()
		return 1
	}
	code := cmd.Main()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "hookctl: HOOKCTL_CPUPROFILE: %v\n", err)
	}
	return code
}
