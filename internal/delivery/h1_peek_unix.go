//go:build unix

package delivery

import (
	"net"
	"syscall"
)

// canPeek: closedByPeer can tell a connection the server closed while it
// was idle, so a request is never written to one and then resent.
const canPeek = true

// closedByPeer reports whether the server closed the idle connection c
// (or sent something unasked, which leaves it out of sync): a
// non-blocking peek, one system call, nothing consumed.
func closedByPeer(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var b [1]byte
	dead := false
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		case err != nil, n >= 0:
			dead = true // an error, the end of the stream (0), or unasked bytes
		}
		return true // never wait
	})
	return dead
}
