// Package tcpwait lets tests wait until what they wrote to a TCP
// connection (bytes, or the FIN of CloseWrite) has reached the peer's
// socket, instead of sleeping and hoping: on Linux the peer has then
// acknowledged it; elsewhere it sleeps a while.
package tcpwait

import (
	"fmt"
	"net"
	"time"
)

// Acked waits until the peer has acknowledged everything written to c
// (its socket then holds it, where a read or a peek finds it), for at most
// timeout.
func Acked(c net.Conn, timeout time.Duration) error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return fmt.Errorf("tcpwait: %T is not a TCP connection", c)
	}
	deadline := time.Now().Add(timeout)
	for {
		n, err := unacked(tc)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("tcpwait: %d bytes still unacknowledged after %v", n, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}
