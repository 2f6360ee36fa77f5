package check

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/store"
)

// TestReceiverCrashing: a receiver that dies on the unsigned probe (as a
// Node server does when @octokit/webhooks' verify throws on a missing
// signature inside an async handler) fails that check with "closed
// without an answer", and every check after it fails as not run, naming
// where it crashed, instead of each blaming its own probe for a refused
// connection ("does it crash on this request?").
func TestReceiverCrashing(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("push", "github")
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Hub-Signature-256") == "" { // the process dies
			srv.Listener.Close()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "github", Secret: "It's a Secret to Everybody",
		Provider: "github", Catalog: cat, Event: et, Burst: 5})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Result{}
	for _, c := range rep.Checks {
		got[c.ID] = c
	}
	if c := got[AcceptsValid]; c.Verdict != Pass {
		t.Errorf("accepts-valid: %s %s", c.Verdict, c.Detail)
	}
	if c := got[RejectsMissingSig]; c.Verdict != Fail || !strings.Contains(c.Hint, "closed the connection without an HTTP answer") {
		t.Errorf("rejects-missing-signature: %s %s (hint %q)", c.Verdict, c.Detail, c.Hint)
	}
	for _, id := range []string{RejectsWrongSecret, RejectsTamperedBody, IgnoresUnknownEvent, AcceptsLargePayload, SurvivesBurst, ToleratesOutOfOrder} {
		c := got[id]
		if c.Verdict != Fail || !strings.Contains(c.Hint, "went away after the rejects-missing-signature probe") {
			t.Errorf("%s: %s %s (hint %q)", id, c.Verdict, c.Detail, c.Hint)
		}
	}
	// Checks that cannot apply to GitHub's events are skipped, as they
	// are when the receiver stays up, not failed as not run.
	for _, id := range []string{AcceptsTemplateMethods} {
		if c := got[id]; c.Verdict != Skip {
			t.Errorf("%s: %s %s", id, c.Verdict, c.Detail)
		}
	}
	for _, id := range []string{RejectsTamperedBody, AcceptsLargePayload, SurvivesBurst} {
		if c := got[id]; !strings.HasPrefix(c.Detail, "not run: the receiver stopped accepting connections (the rejects-wrong-secret probe got dial tcp") {
			t.Errorf("%s detail: %q", id, c.Detail)
		}
	}
}

type probeLog struct {
	mu sync.Mutex
	ds []*store.Delivery
	as []*store.Attempt
}

func (l *probeLog) Record(_ context.Context, _ *store.Event, d *store.Delivery, a *store.Attempt) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ds, l.as = append(l.ds, d), append(l.as, a)
	return nil
}

// The stale and future probes are signed as of ten minutes off, but
// sent now: they are recorded as sent now (deliveries list showed one
// probe dated ten minutes ahead, one ten minutes back).
func TestProbesRecordedWhenSent(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("card.created", "bond")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
	}))
	defer srv.Close()
	log := &probeLog{}
	before := time.Now()
	if _, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "standard", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Provider: "bond", Catalog: cat, Event: et, Burst: 2, Recorder: log}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if len(log.ds) < 5 {
		t.Fatalf("%d probes recorded", len(log.ds))
	}
	for i, d := range log.ds {
		if d.CreatedAt.Before(before.Add(-time.Second)) || d.CreatedAt.After(after.Add(time.Second)) {
			t.Errorf("probe %d recorded at %v, outside the run (%v – %v)", i, d.CreatedAt, before, after)
		}
		if a := log.as[i]; !a.StartedAt.Equal(d.CreatedAt) {
			t.Errorf("probe %d: attempt started %v, delivery created %v", i, a.StartedAt, d.CreatedAt)
		}
	}
}
