package delivery

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitDelivered waits until the peer has acknowledged every byte written
// to c: they are then in the peer's socket, where a read (or a peek)
// finds them.
func waitDelivered(t *testing.T, c net.Conn) {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Error(err)
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var unacked int
		var ierr error
		if err := rc.Control(func(fd uintptr) { unacked, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil || ierr != nil {
			t.Errorf("SIOCOUTQ: %v %v", err, ierr)
			return
		}
		if unacked == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d bytes still unacknowledged after 10s", unacked)
			return
		}
		time.Sleep(time.Millisecond)
	}
}
