//go:build !linux

package listen

import "os"

func fdatasync(f *os.File) error { return f.Sync() }
