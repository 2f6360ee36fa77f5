package httplimit

import (
	"net"
	"strings"
)

// IsLoopbackHost reports whether host (a name or an IP, without port or
// brackets) is this machine only: "localhost" in any case or a loopback
// address (127.0.0.0/8, ::1). The servers use it to decide what is
// exposed beyond the machine and who is asking.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
