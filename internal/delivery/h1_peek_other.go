//go:build !unix

package delivery

import "net"

// canPeek: without a non-blocking peek a request may be written to a
// connection the server closed while idle; send resends it once then.
const canPeek = false

func closedByPeer(net.Conn) bool { return false }
