package main

import (
	"flag"
	"strconv"
	"testing"
)

// rootParallel is how many of this package's parallel tests run at once
// when `go test` is not given -parallel (its default is GOMAXPROCS, 2 on
// the 2-core machines the suite runs on). The tests here are end to end:
// they mostly wait for the hookctl processes they start (a busy timeout,
// a lease, a SIGSTOPped upgrade, a PostgreSQL round trip), not for the
// CPU: the package used ~110 s of CPU in ~300 s of wall time when its
// tests ran one at a time.
const rootParallel = 4

// parallelDefault runs the tests with -parallel rootParallel unless the
// command line set -parallel (or GOMAXPROCS is larger already).
type parallelDefault struct{ m *testing.M }

func (p parallelDefault) Run() int {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if f := flag.Lookup("test.parallel"); f != nil && !set {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n < rootParallel {
			f.Value.Set(strconv.Itoa(rootParallel))
		}
	}
	return p.m.Run()
}
