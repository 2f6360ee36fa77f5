//go:build linux || darwin || freebsd || netbsd || openbsd

package cli

import (
	"io"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReaderGone returns, when w is the write end of a pipe (a shell's |), a
// func that reports whether its reader closed it (`| head -1` took its
// line and exited): nothing written to w would be read, and the next
// write ends the process (SIGPIPE). A command that writes only when
// something happens asks it while idle, as tail -f does, so that a
// pipeline does not wait for its next line to end. ok is false for
// anything else (a terminal, a file), and where it cannot tell.
func ReaderGone(w io.Writer) (gone func() bool, ok bool) {
	sc, isFile := w.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !isFile {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	pipe := false
	if rc.Control(func(fd uintptr) {
		var st unix.Stat_t
		pipe = unix.Fstat(int(fd), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
	}) != nil || !pipe {
		return nil, false
	}
	return func() bool {
		closed := false
		_ = rc.Control(func(fd uintptr) {
			p := []unix.PollFd{{Fd: int32(fd), Events: pollRDBand}}
			n, err := unix.Poll(p, 0)
			closed = err == nil && n > 0 && p[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
		})
		return closed
	}, true
}

// pollRDBand is POLLRDBAND (0x80 on each of these systems; x/sys/unix
// does not name it on Linux): asked for, as coreutils' tail does, because
// macOS reports a pipe's hang-up only then.
const pollRDBand = 0x80
