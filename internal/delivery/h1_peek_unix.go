//go:build unix

package delivery

import (
	"net"
	"syscall"
)

// closedByPeer reports whether the server closed the idle connection c
// (or sent something unasked, which leaves it out of sync), and whether
// it could look: a non-blocking peek, one system call, nothing consumed.
func closedByPeer(c net.Conn) (dead, looked bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	var b [1]byte
	rerr := rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		case err != nil, n >= 0:
			dead = true // an error, the end of the stream (0), or unasked bytes
		}
		return true // never wait
	})
	return dead || rerr != nil, true
}
