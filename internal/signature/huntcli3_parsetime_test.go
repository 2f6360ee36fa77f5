package signature

import (
	"strings"
	"testing"
)

// TestHuntcli3ParseTimeMilliseconds: a number too large for unix seconds
// (milliseconds from JavaScript's Date.now(), microseconds, nanoseconds)
// is refused, naming the seconds it stands for; seconds up to the year
// 5000 are read as before.
func TestHuntcli3ParseTimeMilliseconds(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1700000000000", "as milliseconds (JavaScript's Date.now()) it is 2023-11-14T22:13:20Z: give seconds, 1700000000"},
		{"1700000000000123", "as microseconds it is 2023-11-14T22:13:20Z: give seconds, 1700000000"},
		{"1700000000000123456", "as nanoseconds it is 2023-11-14T22:13:20Z: give seconds, 1700000000"},
	} {
		if _, err := ParseTime(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTime(%s) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	for _, in := range []string{"1700000000", "0", "99999999999", "2026-11-30T12:00:00Z"} {
		if _, err := ParseTime(in); err != nil {
			t.Errorf("ParseTime(%s): %v", in, err)
		}
	}
}
