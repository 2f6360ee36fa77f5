// Package testpar raises how many of a test package's parallel tests run
// at once when `go test` was not given -parallel. Its default is
// GOMAXPROCS (2 on the 2-core machines the suite runs on), right for
// tests that use the CPU, too few for tests that mostly wait: for a
// receiver's timeout, a process they started, a browser's page.
package testpar

import (
	"flag"
	"strconv"
	"testing"
)

// Run runs m with -parallel n unless the command line set -parallel or
// the default is larger already; it returns m.Run's exit code. Call it
// from TestMain in place of m.Run.
func Run(m *testing.M, n int) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if f := flag.Lookup("test.parallel"); f != nil && !set {
		if cur, err := strconv.Atoi(f.Value.String()); err == nil && cur < n {
			f.Value.Set(strconv.Itoa(n))
		}
	}
	return m.Run()
}
