//go:build !linux

package tcpwait

import (
	"net"
	"time"
)

// unacked cannot look here: it gives the bytes time to arrive.
func unacked(c *net.TCPConn) (int, error) {
	time.Sleep(100 * time.Millisecond)
	return 0, nil
}
