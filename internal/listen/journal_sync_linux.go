package listen

import (
	"os"
	"syscall"
)

// fdatasync makes the journal's appended bytes (and its size) durable.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
