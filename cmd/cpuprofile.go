package cmd

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startCPUProfile runs the process under a pprof CPU profile when
// HOOKCTL_CPUPROFILE=FILE is set (hidden: not in --help; documented in
// bench/README.md; bench/pgo.sh collects its profiles with it), for any
// command; the returned function writes it. Main calls it around the
// whole command, so the profile is written on a normal exit and on SIGINT,
// SIGTERM or SIGHUP for the commands that stop cleanly on them (listen,
// worker, trigger, replay, serve). Unset, it reads only the environment.
func startCPUProfile(errOut io.Writer) (stop func()) {
	path := os.Getenv("HOOKCTL_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(errOut, "hookctl: warning: HOOKCTL_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(errOut, "hookctl: warning: HOOKCTL_CPUPROFILE: %v\n", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(errOut, "hookctl: warning: HOOKCTL_CPUPROFILE: %v\n", err)
		}
	}
}
