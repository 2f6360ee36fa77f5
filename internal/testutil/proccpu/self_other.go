//go:build !unix

package proccpu

import "time"

// Self is this process's CPU so far: zero where getrusage is missing.
func Self() time.Duration { return 0 }
