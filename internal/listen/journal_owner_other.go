//go:build !unix

package listen

import "os"

// ownedByMe reports whether the file belongs to the user hookctl runs as:
// always true where file modes say nothing about other users.
func ownedByMe(os.FileInfo) bool { return true }
