//go:build !linux

package delivery

import (
	"net"
	"testing"
	"time"
)

// waitDelivered gives the bytes written to c time to reach the peer's
// socket (Linux waits for the peer's acknowledgement instead).
func waitDelivered(t *testing.T, c net.Conn) {
	t.Helper()
	time.Sleep(100 * time.Millisecond)
}
