//go:build race

package main

// raceBuild: this test binary was built with -race (go test -race), so the
// hookctl that hookctlBinary builds is too, and the end-to-end tests that
// run it (and the test binary itself, testscript's "hookctl") are checked
// by the race detector.
const raceBuild = true
