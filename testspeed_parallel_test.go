package main

import (
	"testing"

	"github.com/hookctl/hookctl/internal/testutil/testpar"
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
// command line set -parallel (or GOMAXPROCS is larger already): testscript
// takes it for its testing.M.
type parallelDefault struct{ m *testing.M }

func (p parallelDefault) Run() int { return testpar.Run(p.m, rootParallel) }
