//go:build !unix

package delivery

import "net"

// closedByPeer cannot look here: a request may be written to a connection
// the server closed while idle, and send resends it once then.
func closedByPeer(net.Conn) (dead, looked bool) { return false, false }
