package delivery

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// WholeError gives back the receiver's reason that LastError cut at 117
// bytes, from the attempt's body; anything else is left as it is.
func TestTrigoutWholeError(t *testing.T) {
	long := "quota exceeded: " + strings.Repeat("refused by the rate limiter, ", 6) + "END"
	att := func(status int, body string) *store.Attempt {
		return &store.Attempt{ResponseStatus: status, ResponseBody: []byte(body)}
	}
	for _, tc := range []struct {
		name, last string
		a          *store.Attempt
		want       string
	}{
		{"cut reason", StatusError("", att(500, long+"\nmore")), att(500, long+"\nmore"), "HTTP 500 Internal Server Error: " + long},
		{"and disabled", StatusError("", att(410, long)) + ", subscription disabled", att(410, long), "HTTP 410 Gone: " + long + ", subscription disabled"},
		{"short reason", StatusError("", att(500, "boom")), att(500, "boom"), "HTTP 500 Internal Server Error: boom"},
		{"no attempt", "HTTP 500 Internal Server Error: x…", nil, "HTTP 500 Internal Server Error: x…"},
		{"a network error", "dial tcp: …", &store.Attempt{Error: "dial tcp"}, "dial tcp: …"},
		{"another body now", StatusError("", att(500, long)), att(500, "other"), StatusError("", att(500, long))},
		{"html page", "HTTP 502 Bad Gateway", att(502, "<html>"+long), "HTTP 502 Bad Gateway"},
	} {
		if got := WholeError(tc.last, tc.a); got != tc.want {
			t.Errorf("%s: WholeError(%q) = %q, want %q", tc.name, tc.last, got, tc.want)
		}
	}
	if !strings.HasSuffix(StatusError("", att(500, long)), "…") {
		t.Fatal("the stored LastError is no longer cut: this test's premise is gone")
	}
}
