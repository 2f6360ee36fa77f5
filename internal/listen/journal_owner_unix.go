//go:build unix

package listen

import (
	"os"
	"syscall"
)

// ownedByMe reports whether the file belongs to the user hookctl runs as.
func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || st.Uid == uint32(os.Geteuid())
}
