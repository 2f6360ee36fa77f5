//go:build !linux

package listen

import (
	"os"
	"sync/atomic"
)

func fdatasync(f *os.File) error { return f.Sync() }

// groupSync is the group commit's flush (see the Linux version).
func groupSync(f *os.File, _ *atomic.Bool) error { return f.Sync() }
