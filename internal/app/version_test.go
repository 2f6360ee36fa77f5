package app

import "testing"

func TestBuildVersion(t *testing.T) {
	if v, c := BuildVersion("v1.2.3", "abc123"); v != "v1.2.3" || c != "abc123" {
		t.Errorf("stamped: %q %q", v, c)
	}
	if v, c := BuildVersion("", ""); v == "" || c == "" {
		t.Errorf("from build info: %q %q, want both set", v, c)
	}
	if v, _ := BuildVersion("v9", ""); v != "v9" {
		t.Errorf("version only: %q", v)
	}
	for in, want := range map[string]string{"v1.2.3": "1.2.3", "v0.0.0-20261202110000-abcdef123456": "0.0.0-20261202110000-abcdef123456",
		"v1.2.3+dirty": "1.2.3+dirty", "vNext": "vNext", "1.2.3": "1.2.3"} {
		if got := moduleVersion(in); got != want {
			t.Errorf("moduleVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
