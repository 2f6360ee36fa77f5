package main

import "testing"

// An empty ID argument (hookctl replay "$ID" with ID unset) is bad input,
// exit 2, for every command that takes IDs; it was looked up and reported
// as `delivery "" not found`, exit 1, the code of a real miss.
func TestEmptyIDIsBadInput(t *testing.T) {
	c := newCrashEnv(t)
	c.hookctl(0, "subscribe", "--url", "http://localhost:3000/x", "--events", "*")
	for _, args := range [][]string{
		{"replay", "", "--yes"},
		{"replay", " ", "--dry-run"},
		{"deliveries", "show", ""},
		{"subscriptions", "get", ""},
		{"subscriptions", "update", " ", "--url", "http://localhost:3000/y"},
		{"subscriptions", "disable", ""},
		{"subscriptions", "enable", ""},
		{"subscriptions", "rotate-secret", ""},
		{"subscriptions", "delete", "", "--yes"},
	} {
		c.hookctl(2, args...)
	}
}
