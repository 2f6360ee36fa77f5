//go:build race

package main

// raceEnabled: the test binary (and so the hookctl it runs as) is built
// with the race detector, which multiplies memory use (shadow memory).
const raceEnabled = true
