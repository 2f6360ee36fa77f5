//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package cli

import "io"

// ReaderGone cannot tell here whether w's reader is gone: ok is false.
func ReaderGone(w io.Writer) (gone func() bool, ok bool) { return nil, false }
