//go:build !race

package main

// raceBuild: see racecheck_race_test.go.
const raceBuild = false
