//go:build unix

package sqlite

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process pid exists (one of another user
// too: EPERM).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
