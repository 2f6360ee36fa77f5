package delivery

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// What subscriptions get masks, deliveries show and trigger -o json mask
// too: Proxy-Authorization and X-Api-Key were printed in full there.
func TestMaskHeadersCredentials(t *testing.T) {
	h := map[string][]string{
		"Authorization":       {"Bearer sk_live_abcdefghijklmnop"},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNzd29yZA=="},
		"X-Api-Key":           {"sk_live_abcdefghijklmnop"},
		"X-Auth-Token":        {"tok_abcdefghijklmnop"},
		"Mono-Webhook-Secret": {"sk_mono_abcdefghijklmnop"},
		"Cookie":              {"session=abcdefghijklmnop"},
		"Idempotency-Key":     {"0b6f5c3e-1c1d-4f4e-9a55-3d1f2c5b7a90"},
		"Content-Type":        {"application/json"},
	}
	got := MaskHeaders(h)
	for k, vs := range h {
		masked := got[k][0] != vs[0]
		want := k != "Idempotency-Key" && k != "Content-Type"
		if masked != want {
			t.Errorf("%s: %q → %q (masked %v, want %v)", k, vs[0], got[k][0], masked, want)
		}
		if masked && strings.Contains(got[k][0], "abcdefghijklmnop") {
			t.Errorf("%s: %q still shows the credential", k, got[k][0])
		}
	}
	if h["X-Api-Key"][0] != "sk_live_abcdefghijklmnop" {
		t.Error("MaskHeaders changed its input")
	}
}

// A delivery's credential headers are masked as a subscription's are
// (subscription.MaskCredential): the scheme word, at most 4 characters of
// the credential, none of a short one. MaskSecret kept 8 characters, so
// 'X-Auth-Token: abcdefghi' showed 8 of its 9 and 'Bearer t0k3n'
// showed 'Bearer t…', and cut a multi-byte character in two.
func TestMaskHeadersShowNoMoreThanSubscriptions(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer SUPERSECRETTOKEN": "Bearer SUPE…",
		"Bearer t0k3n":            "Bearer ****",
		"abcdefghi":               "abcd…",
		"abcdefgh":                "****",
		"ключключключ":            "ключ…",
		"Basic dXNlcjpwYXNz":      "Basic dXNl…",
	} {
		got := MaskHeaders(map[string][]string{"X-Auth-Token": {in}})["X-Auth-Token"][0]
		if got != want || !utf8.ValidString(got) {
			t.Errorf("X-Auth-Token %q is shown as %q, want %q", in, got, want)
		}
		if sub := subscription.MaskCredentialHeaders(map[string]string{"X-Auth-Token": in})["X-Auth-Token"]; sub != got {
			t.Errorf("X-Auth-Token %q: a delivery shows %q, its subscription %q", in, got, sub)
		}
	}
}

func TestLeaseHeld(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no process check on Windows: every holder counts as alive")
	}
	now := time.Now()
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	d := func(owner string, until time.Time) *store.Delivery {
		return &store.Delivery{Status: store.DeliveryPending, LeaseOwner: owner, LeaseExpiresAt: until}
	}
	for _, c := range []struct {
		name string
		d    *store.Delivery
		want bool
	}{
		{"free", d("", time.Time{}), false},
		{"this process", d(NewOwner(), now.Add(time.Minute)), true},
		{"expired", d(NewOwner(), now.Add(-time.Second)), false},
		{"a process of this host that is gone", d(fmt.Sprintf("%s:%d:abcd", host, dead.Process.Pid), now.Add(time.Minute)), false},
		{"another host", d(fmt.Sprintf("elsewhere-%s:%d:abcd", host, dead.Process.Pid), now.Add(time.Minute)), true},
		{"not pending", &store.Delivery{Status: store.DeliveryFailed, LeaseOwner: NewOwner(), LeaseExpiresAt: now.Add(time.Minute)}, false},
	} {
		if got := LeaseHeld(c.d, now); got != c.want {
			t.Errorf("%s: LeaseHeld = %v, want %v", c.name, got, c.want)
		}
	}
}

// Times print as the stores keep them (UTC, microseconds), live or read
// back: worker -o json printed an attempt's nanoseconds, deliveries show
// the same attempt's microseconds.
func TestJSONTimesAtStorePrecision(t *testing.T) {
	at := time.Date(2026, 12, 2, 11, 0, 0, 123456789, time.FixedZone("CET", 3600))
	j := ToJSON(&store.Delivery{ID: "d", CreatedAt: at, UpdatedAt: at, Status: store.DeliveryPending, NextAttemptAt: at},
		"x", []*store.Attempt{{Number: 1, StartedAt: at}})
	want := time.Date(2026, 12, 2, 10, 0, 0, 123456000, time.UTC)
	for name, got := range map[string]time.Time{"created": j.CreatedAt, "updated": j.UpdatedAt, "next": *j.NextAttemptAt, "started": j.Attempts[0].StartedAt} {
		if !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond() != 123456000 {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
