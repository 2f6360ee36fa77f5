//go:build !unix

package check

import (
	"context"
	"os/exec"
)

// shellCommand runs cmdline with cmd /C, killed when ctx ends.
func shellCommand(ctx context.Context, cmdline string) *exec.Cmd {
	return exec.CommandContext(ctx, "cmd", "/C", cmdline)
}
