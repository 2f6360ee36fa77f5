package h1wire

import (
	"net/http"
	"testing"
)

func TestKeyMatchesNetHTTP(t *testing.T) {
	names := []string{"webhook-id", "WEBHOOK-SIGNATURE", "Webhook-Timestamp", "content-type", "Content-Length",
		"stripe-signature", "x-hub-signature-256", "x-custom-thing", "X-Custom-Thing", "bad name", "a", "",
		"x-github-hook-id", "Ünïcode", "x_underscore", "this-is-a-very-long-header-name-beyond-forty-bytes"}
	for _, c := range common {
		names = append(names, c, lower(c))
	}
	for _, n := range names {
		want := http.CanonicalHeaderKey(n)
		if got := Key([]byte(n)); got != want {
			t.Errorf("Key(%q) = %q, want %q", n, got, want)
		}
		if got := KeyString(n); got != want {
			t.Errorf("KeyString(%q) = %q, want %q", n, got, want)
		}
	}
}

func TestCommonNamesDoNotAllocate(t *testing.T) {
	b := []byte("webhook-signature")
	table() // built once, outside the count
	if n := testing.AllocsPerRun(100, func() { Key(b) }); n != 0 {
		t.Errorf("Key allocates %v times for a common name", n)
	}
	if n := testing.AllocsPerRun(100, func() { KeyString("webhook-id") }); n != 0 {
		t.Errorf("KeyString allocates %v times for a common name", n)
	}
}

func FuzzKey(f *testing.F) {
	f.Add("webhook-id")
	f.Add("X-Y")
	f.Fuzz(func(t *testing.T, n string) {
		want := http.CanonicalHeaderKey(n)
		if got := Key([]byte(n)); got != want {
			t.Fatalf("Key(%q) = %q, want %q", n, got, want)
		}
		if got := KeyString(n); got != want {
			t.Fatalf("KeyString(%q) = %q, want %q", n, got, want)
		}
	})
}
