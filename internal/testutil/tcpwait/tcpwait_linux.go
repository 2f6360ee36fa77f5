package tcpwait

import (
	"net"

	"golang.org/x/sys/unix"
)

// unacked is the connection's send queue not yet acknowledged by the
// peer, a FIN included.
func unacked(c *net.TCPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
		return 0, err
	}
	return n, ierr
}
