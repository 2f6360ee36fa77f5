package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/subscription"
)

// deliveries show --curl of an attempt of three hours ago (a failure of
// the morning, looked at after lunch), run with the real sh and curl, is
// accepted by a receiver that checks the timestamp as bond's SDK does
// (300 s): the command carried the attempt's own signature, refused as
// "timestamp too old", a different failure than the one being debugged.
// It now carries one made now (same scheme, the subscription's secret
// the attempt verifies with), stdout is the command alone and stderr
// says so, with until when it is valid. A fresh attempt's command keeps
// its own signature, byte for byte, and says nothing.
func TestCurlfixShowCurlOfAnOldAttempt(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	type got struct {
		body string
		err  error
		sig  string
	}
	var (
		mu      sync.Mutex
		reqs    []got
		secrets []string
	)
	sch, _ := signature.ForProvider("bond")
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		err := sch.Verify(signature.VerifyInput{Secrets: secrets, Header: r.Header, Body: b, Now: time.Now(),
			Tolerance: signature.DefaultTolerance("bond")})
		reqs = append(reqs, got{string(b), err, r.Header.Get("Bond-Signature")})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	defer app.Close()

	c := newCrashEnv(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(c.dir, "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := (&subscription.Service{Store: st, Catalog: cat}).Create(ctx, subscription.CreateInput{URL: app.URL + "/webhooks", Events: []string{"card.*"}, Provider: "bond"})
	if err != nil {
		t.Fatal(err)
	}
	secrets = []string{sub.Secret}
	body := []byte(`{"event":"card.created","card":{"status":"Active"}}`)
	// seed records delivery id's one attempt, signed at at as the worker
	// signs; due in a day, so no worker sends it again.
	seed := func(id string, at time.Time) http.Header {
		ev := &store.Event{ID: "evt_" + id, Type: "card.created", Provider: "bond", Payload: body,
			ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: at}
		d := &store.Delivery{ID: id, EventID: ev.ID, SubscriptionID: sub.ID, URL: sub.CallbackURL,
			Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s", NextAttemptAt: time.Now().Add(24 * time.Hour)}
		if err := st.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		h, err := sch.Sign(signature.SignInput{Secrets: []string{sub.Secret}, ID: ev.ID, Timestamp: at, Body: body, Endpoint: sub.ID})
		if err != nil {
			t.Fatal(err)
		}
		h.Set("Content-Type", "application/json")
		if _, err := st.ClaimDue(ctx, "curlfix", time.Now().Add(25*time.Hour), time.Minute, 1, ""); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordAttempt(ctx, "curlfix", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: at, RequestURL: d.URL,
			RequestMethod: "POST", RequestHeaders: h, ResponseStatus: 500, Duration: 12 * time.Millisecond},
			store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	seed("d-curlfix-morning", time.Now().Add(-3*time.Hour))
	fresh := seed("d-curlfix-fresh", time.Now().Add(-10*time.Second))
	st.Close()

	run := func(id string) (string, string, got) {
		t.Helper()
		out, stderr := c.showRun(0, nil, "hookctl", "deliveries", "show", id, "--curl")
		mu.Lock()
		before := len(reqs)
		mu.Unlock()
		c.showRun(0, append(bytes.TrimSuffix(out, []byte("\n")), " -sS -o /dev/null\n"...), "sh")
		mu.Lock()
		defer mu.Unlock()
		if len(reqs) != before+1 {
			t.Fatalf("%s: the app received %d requests, want 1\n%s", id, len(reqs)-before, out)
		}
		return string(out), stderr, reqs[len(reqs)-1]
	}

	out, stderr, r := run("d-curlfix-morning")
	if r.err != nil || r.body != string(body) {
		t.Errorf("the app refused the command of the old attempt: %v\n%s", r.err, out)
	}
	if !strings.HasPrefix(out, "curl ") || strings.Contains(out, "hookctl:") {
		t.Errorf("stdout is not the command alone: %q", out)
	}
	for _, want := range []string{"hookctl: note: signed now: attempt 1's own signature, made 3 hours ago, is older than the 5 min a bond receiver accepts",
		"hookctl: note: this one is valid until ", " UTC: for a fresh one, run hookctl deliveries show d-curlfix-morning --curl again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}

	out, stderr, r = run("d-curlfix-fresh")
	if r.err != nil || r.sig != fresh.Get("Bond-Signature") || stderr != "" {
		t.Errorf("a fresh attempt's command: verified %v, signature %q (sent %q), stderr %q\n%s", r.err, r.sig, fresh.Get("Bond-Signature"), stderr, out)
	}
}
