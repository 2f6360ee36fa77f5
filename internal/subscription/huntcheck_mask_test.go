package subscription

import "testing"

// TestMaskUserinfo: only the authority's credentials are masked; an @ in
// the path or query (an e-mail address) is the URL's own, kept as written.
func TestMaskUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"http://alice:pw@h:1/x?e=a@b":  "http://alice:xxxxx@h:1/x?e=a@b",
		"https://tok@h/x":              "https://xxxxx@h/x",
		"http://h/x?e=a@b&q=%20":       "http://h/x?e=a@b&q=%20",
		"http://a:p/w@h:1/x":           "http://a:xxxxx@h:1/x", // does not parse: up to the last @
		"localhost:3000/x":             "localhost:3000/x",
		"http://a:p%40w@h/x?e=a@b#f@g": "http://a:xxxxx@h/x?e=a@b#f@g",
	} {
		if got := MaskUserinfo(in); got != want {
			t.Errorf("MaskUserinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBracketIPv6: an IPv6 address written bare in a URL's authority is
// put in brackets, its last group read as the port when it can be one.
func TestBracketIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"http://::1:3000/x?a=1":  "http://[::1]:3000/x?a=1",
		"http://u:p@::1:3000/":   "http://u:p@[::1]:3000/",
		"http://fe80::1/x":       "http://[fe80::1]/x",
		"http://2001:db8::8080":  "http://[2001:db8::8080]",
		"http://127.0.0.1:3000/": "",
		"http://[::1]:3000/":     "",
		"http://host:3000/":      "",
		"http://a:b:c/":          "",
	} {
		if got := bracketIPv6(in); got != want {
			t.Errorf("bracketIPv6(%q) = %q, want %q", in, got, want)
		}
	}
}
