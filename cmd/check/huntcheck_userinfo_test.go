package check_test

import (
	"strings"
	"testing"
)

// TestURLCredentialsNeverPrinted: a URL with a user name and password is
// refused (exit 2, as every URL hookctl sends to), and the refusal quotes
// it with the password masked, in text and with -o json: it printed the
// URL as given, password and all, into the CI log. Each refusal on the
// way (scheme, port, credentials, a space) masks it.
func TestURLCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	const pw = "s3cretPW"
	for _, tc := range []struct{ url, want string }{
		{"http://alice:" + pw + "@127.0.0.1:9/hooks?a=1", `"http://alice:xxxxx@127.0.0.1:9/hooks?a=1": it must not contain a user name or password`},
		{"https://" + pw + "@example.com/hooks", `"https://xxxxx@example.com/hooks"`},
		{"ftp://alice:" + pw + "@example.com/hooks", `"ftp://alice:xxxxx@example.com/hooks": want http:// or https://`},
		{"http://alice:" + pw + "@127.0.0.1:99999/hooks", `"http://alice:xxxxx@127.0.0.1:99999/hooks": port 99999`},
		{"http://alice:" + pw + "@127.0.0.1:9/my hooks", `"http://alice:xxxxx@127.0.0.1:9/my hooks"`},
		{"http://alice:pa/" + pw + "@127.0.0.1:9/hooks", `"http://alice:xxxxx@127.0.0.1:9/hooks"`},
	} {
		for _, json := range []bool{false, true} {
			args := []string{"check", tc.url, "--scheme", "standard", "--secret", stdSecret}
			if json {
				args = append(args, "-o", "json")
			}
			r := hookctl(t, nil, args...)
			out := r.stdout + r.stderr
			if r.code != 2 || strings.Contains(out, pw) || !strings.Contains(strings.ReplaceAll(out, `\"`, `"`), tc.want) {
				t.Errorf("check %q (json %v): want exit 2 naming %s, the password masked; got exit %d\nstdout: %s\nstderr: %s",
					tc.url, json, tc.want, r.code, r.stdout, r.stderr)
			}
		}
	}
}
