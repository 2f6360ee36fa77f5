package check

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestRejectedButActedOn: three Standard Webhooks receivers that verify
// with the scheme and count what they act on (the effect, once per
// webhook-id):
//   - correct: 400 to a failed verification, acts on verified events;
//   - noreturn: answers 400 and acts all the same (a handler that sends
//     the 400 and goes on, no return). Every rejects-* check saw its 400
//     and passed: it passed every check on the old code. ignores-rejected
//     fails it, naming the missing return;
//   - dropped200: drops what fails verification but answers 200. The
//     rejects-* checks fail it, and their hints no longer say an
//     attacker's request would be processed (--effect-cmd shows it was
//     not): the 2xx is what is wrong;
//   - noverify: accepts and acts on everything: the rejects-* checks fail
//     it with their own hints, and ignores-rejected is skipped (which
//     accepted probe the app acted on is not known).
func TestRejectedButActedOn(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("invoice.paid", "standard")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rejects := []string{RejectsMissingSig, RejectsWrongSecret, RejectsTamperedBody, RejectsMalformedSig, RejectsStaleTimestamp, RejectsFutureTimestamp}
	for _, variant := range []string{"correct", "noreturn", "dropped200", "noverify"} {
		t.Run(variant, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]bool{}
			var acted atomic.Int64
			act := func(id string) {
				mu.Lock()
				defer mu.Unlock()
				if !seen[id] {
					seen[id] = true
					acted.Add(1)
				}
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if variant == "noverify" {
					act(r.Header.Get("webhook-id"))
					w.WriteHeader(204)
					return
				}
				if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
					switch variant {
					case "dropped200":
						w.WriteHeader(200)
					case "noreturn":
						w.WriteHeader(400)
						act(r.Header.Get("webhook-id") + "/" + r.Header.Get("webhook-timestamp")) // and goes on
					default:
						w.WriteHeader(400)
					}
					return
				}
				act(r.Header.Get("webhook-id"))
				w.WriteHeader(204)
			}))
			defer srv.Close()
			rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "standard", Secret: secret, Provider: "standard",
				Catalog: cat, Event: et, Burst: 3, Settle: 300 * time.Millisecond,
				Effect: func(context.Context) (string, error) { return fmt.Sprint(acted.Load()), nil }})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Result{}
			for _, c := range rep.Checks {
				got[c.ID] = c
			}
			ig, ok := got[IgnoresRejected]
			if !ok {
				t.Fatalf("no verdict for %s: %+v", IgnoresRejected, rep.Checks)
			}
			switch variant {
			case "correct", "dropped200":
				if ig.Verdict != Pass || !strings.Contains(ig.Detail, "and the same for 300ms after them") {
					t.Errorf("%s: %s %q, want PASS", IgnoresRejected, ig.Verdict, ig.Detail)
				}
			case "noverify":
				// It acted on them, but it accepted them too: their rejects-*
				// checks fail, and which of them it acted on is not known.
				// "2" before them: the first event and dedupes-duplicate's
				// new one.
				if ig.Verdict != Skip || !strings.Contains(ig.Detail, `"2" before the probes of`) || !strings.Contains(ig.Detail, "were not refused, which may be what it acted on") {
					t.Errorf("%s: %s %q, want SKIP: the probes were not refused", IgnoresRejected, ig.Verdict, ig.Detail)
				}
			case "noreturn":
				if ig.Verdict != Fail || ig.Status != 400 || ig.DeliveryID != got[RejectsMissingSig].DeliveryID ||
					!strings.Contains(ig.Hint, "though it answered each of them with a 4xx: stop the handler once it refuses (return after sending the 400 or 401)") {
					t.Errorf("%s: %s %d %q, hint %q; want FAIL 400 naming the missing return", IgnoresRejected, ig.Verdict, ig.Status, ig.Detail, ig.Hint)
				}
			}
			for _, id := range rejects {
				c := got[id]
				switch variant {
				case "dropped200":
					if c.Verdict != Fail || !strings.HasPrefix(c.Hint, "the app did not act on this request (--effect-cmd unchanged, see ignores-rejected) but answered it 200") {
						t.Errorf("%s: %s, hint %q; want FAIL saying the app did not act on it", id, c.Verdict, c.Hint)
					}
				case "noverify":
					if c.Verdict != Fail || strings.Contains(c.Hint, "did not act on") {
						t.Errorf("%s: %s, hint %q; want FAIL with its own hint", id, c.Verdict, c.Hint)
					}
				default:
					if c.Verdict != Pass {
						t.Errorf("%s: %s (%s), want PASS: it answered 400", id, c.Verdict, c.Detail)
					}
				}
			}
		})
	}
}

// TestRejectedNeedsEffect: without --effect-cmd, with dedupes-duplicate
// left out, with an output the first event did not change or one still
// moving after the duplicate, ignores-rejected is skipped, saying why.
func TestRejectedNeedsEffect(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("invoice.paid", "standard")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	effect := func(context.Context) (string, error) { return "0", nil }
	// counter changes on every run: the first event takes effect, and so
	// does its duplicate (dedupes-duplicate fails).
	counter := func() func(context.Context) (string, error) {
		var n atomic.Int64
		return func(context.Context) (string, error) { return fmt.Sprint(n.Add(1)), nil }
	}
	for _, tc := range []struct {
		effect func(context.Context) (string, error)
		sel    map[string]bool
		want   string
	}{
		{nil, map[string]bool{AcceptsValid: true, DedupesDuplicate: true, RejectsWrongSecret: true, IgnoresRejected: true}, "no --effect-cmd to observe what the app did"},
		{effect, map[string]bool{AcceptsValid: true, RejectsWrongSecret: true, IgnoresRejected: true}, "needs dedupes-duplicate"},
		{effect, map[string]bool{AcceptsValid: true, DedupesDuplicate: true, RejectsWrongSecret: true, IgnoresRejected: true}, "the first valid event did not change --effect-cmd's output"},
		{counter(), map[string]bool{AcceptsValid: true, DedupesDuplicate: true, RejectsWrongSecret: true, IgnoresRejected: true}, "needs dedupes-duplicate to pass"},
	} {
		rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "standard", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Provider: "standard",
			Catalog: cat, Event: et, Settle: 100 * time.Millisecond, Effect: tc.effect, Selected: tc.sel})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range rep.Checks {
			if c.ID == IgnoresRejected {
				found = true
				if c.Verdict != Skip || !strings.HasPrefix(c.Detail, tc.want) {
					t.Errorf("%s %s %q, want SKIP: %s", c.ID, c.Verdict, c.Detail, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("no verdict for %s (want SKIP: %s)", IgnoresRejected, tc.want)
		}
	}
}
