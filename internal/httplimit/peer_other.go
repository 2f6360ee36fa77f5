//go:build !unix

package httplimit

import "net"

// peerClosed cannot look here.
func peerClosed(net.Conn) bool { return false }
