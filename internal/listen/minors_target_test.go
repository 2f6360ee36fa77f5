package listen

import (
	"strings"
	"testing"
)

// The --forward family: a port, :port, host:port and a URL name the same
// target; a URL without a host name before its port is refused (it was
// forwarded to http://:3000, the local host by accident).
func TestMinorsNormalizeTargetHost(t *testing.T) {
	for in, want := range map[string]string{
		"3000":                    "http://localhost:3000",
		":3000":                   "http://localhost:3000",
		"localhost:3000":          "http://localhost:3000",
		"http://localhost:3000":   "http://localhost:3000",
		":3000/webhooks":          "http://localhost:3000/webhooks",
		"http://[::1]:3000/hooks": "http://[::1]:3000/hooks",
	} {
		u, err := NormalizeTarget(in)
		if err != nil || u.String() != want {
			t.Errorf("NormalizeTarget(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, in := range []string{"http://:3000", "https://:8443/webhooks", "http://:", "HTTP://:3000"} {
		u, err := NormalizeTarget(in)
		if err == nil || !strings.Contains(err.Error(), "no host name before the port") {
			t.Errorf("NormalizeTarget(%q) = %v, %v; want refused: no host name", in, u, err)
		}
	}
}
