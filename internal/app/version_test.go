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
}
