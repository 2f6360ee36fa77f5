//go:build unix

package store

import (
	"os"
	"syscall"
)

// FileOwner returns the user id owning the file; false where unknown.
func FileOwner(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
