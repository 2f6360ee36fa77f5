package demo

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// The demo's app de-duplicates as a handler should, per provider: a Bond
// event and a Mono event without event_id carry no id header (hookctl,
// as Bond and Mono, sends none) and no id in the body, and the app keyed
// both on "", so `hookctl demo` said "(2 duplicate)" where one request,
// the replay, was a duplicate: the Mono event was taken for a second
// copy of the Bond one. Each event is its own now, and a second copy of
// any of them (same bytes, re-signed) is the duplicate.
func TestHuntdocsDemoAppDedupesEachProviderByItsOwnID(t *testing.T) {
	app, err := NewApp()
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	app.SetSecrets(secret)
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	send := func(ev *catalog.Event) {
		t.Helper()
		sch, err := signature.Lookup(ev.Scheme)
		if err != nil {
			t.Fatal(err)
		}
		h, err := sch.Sign(signature.SignInput{Secrets: []string{secret}, ID: ev.ID, Timestamp: time.Now(), Body: ev.Body, EventType: ev.Type})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(ev.Method, app.URL(), bytes.NewReader(ev.Body))
		req.Header = h
		req.Header.Set("Content-Type", ev.ContentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", ev.Type, resp.Status)
		}
	}
	// The demo's three, and one more of each provider without an id.
	names := []string{"card.created", "mono.events.account_updated", "payment.succeeded", "kyc.verification.success", "mono.events.account_connected"}
	var first *catalog.Event
	for _, n := range names {
		et, err := cat.Lookup(n, "")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := cat.Build(et, catalog.BuildOptions{Now: catalog.DistinctTime(time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = ev
		}
		send(ev)
	}
	send(first) // a second copy, re-signed
	got := app.Received()
	if len(got) != len(names)+1 {
		t.Fatalf("the app handled %d requests, want %d: %+v", len(got), len(names)+1, got)
	}
	for i, r := range got {
		if want := i == len(names); r.Duplicate != want {
			t.Errorf("request %d (%s, id %q): duplicate %v, want %v", i+1, r.EventType, r.EventID, r.Duplicate, want)
		}
	}
}
