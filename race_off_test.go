//go:build !race

package main

// raceEnabled: the test binary is built without the race detector.
const raceEnabled = false
