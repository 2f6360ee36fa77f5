//go:build unix

package check

import (
	"context"
	"os/exec"
	"syscall"
)

// shellCommand runs cmdline with sh in a process group of its own, killed
// as a whole when ctx ends: Ctrl-C reaches hookctl, which stops what the
// command started too (a terminal would not send the signal to a
// background group, and kill -INT to hookctl alone never did).
func shellCommand(ctx context.Context, cmdline string) *exec.Cmd {
	c := exec.CommandContext(ctx, "sh", "-c", cmdline)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	return c
}
