//go:build unix

package delivery

import (
	"errors"
	"syscall"
)

// ProcessAlive: whether a process with that id exists (a recycled pid
// counts as alive: the port check then decides).
func ProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
