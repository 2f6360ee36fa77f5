//go:build unix

package httplimit

import (
	"net"
	"syscall"
)

// peerClosed reports whether the other end closed (or reset) c: a
// non-blocking peek, one system call, nothing consumed. Bytes waiting (a
// pipelined request) mean it is still there; false when it cannot look.
func peerClosed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	var b [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		case err != nil, n == 0:
			closed = true // reset, or the end of the stream
		}
		return true // never wait
	})
	return closed
}
