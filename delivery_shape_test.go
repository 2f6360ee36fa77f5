package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// A delivery has one JSON shape wherever hookctl prints it: trigger,
// deliveries list and show, replay and replay --dry-run print the same
// fields for the same delivery (attempts aside, which only some carry).
// replay --dry-run left out "source".
func TestDeliveryJSONIsOneShape(t *testing.T) {
	c := newCrashEnv(t)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(ok.Close)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	t.Cleanup(down.Close)
	c.hookctl(0, "subscribe", "--url", ok.URL+"/ok", "--events", "card.created")
	c.hookctl(0, "subscribe", "--url", down.URL+"/down", "--events", "card.created")

	// keys returns the fields of every delivery in a document, by id.
	keys := func(doc []byte, path ...string) map[string][]string {
		t.Helper()
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		list, isList := v.([]any)
		if !isList {
			list = []any{v}
		}
		out := map[string][]string{}
		for _, d := range list {
			m := d.(map[string]any)
			var ks []string
			for k := range m {
				if k != "attempts" && k != "event" && k != "linked" {
					ks = append(ks, k)
				}
			}
			slices.Sort(ks)
			out[m["id"].(string)] = ks
		}
		return out
	}
	trig := keys(c.hookctl(1, "trigger", "card.created", "--retry-schedule", "0s", "-o", "json"), "deliveries")
	if len(trig) != 2 {
		t.Fatalf("trigger printed %d deliveries, want 2", len(trig))
	}
	var failed string
	for id, ks := range trig {
		if slices.Contains(ks, "last_error") {
			failed = id
		}
	}
	list := keys(c.hookctl(0, "deliveries", "list", "-o", "json"))
	dry := keys(c.hookctl(0, "replay", "--failed", "--dry-run", "-o", "json"), "deliveries")
	show := keys(c.hookctl(0, "deliveries", "show", failed, "-o", "json"))
	for id, want := range trig {
		if got := list[id]; !slices.Equal(got, want) {
			t.Errorf("deliveries list %s: fields\n%v, trigger printed\n%v", id, got, want)
		}
	}
	for name, doc := range map[string]map[string][]string{"replay --dry-run": dry, "deliveries show": show} {
		if got, want := doc[failed], trig[failed]; !slices.Equal(got, want) {
			t.Errorf("%s %s: fields\n%v, trigger printed\n%v", name, failed, got, want)
		}
	}
	replayed := keys(c.hookctl(1, "replay", "--failed", "--yes", "-o", "json"), "deliveries")
	if got, want := replayed[failed], trig[failed]; !slices.Equal(got, want) {
		t.Errorf("replay %s: fields\n%v, trigger printed\n%v", failed, strings.Join(got, " "), strings.Join(want, " "))
	}
}

// topKeys returns a JSON object's top-level keys in the order printed.
func topKeys(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", doc)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// replay -o json prints one document whether or not anything matched: it
// printed only {"replayed": 0, "summary": …} when nothing did, so
// .deliveries[] failed ("cannot iterate over null") exactly when a CI
// script had nothing to replay. A run's document keeps its keys in one
// order (they came from a map, in random order).
func TestReplayJSONIsOneShape(t *testing.T) {
	c := newCrashEnv(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	t.Cleanup(down.Close)
	c.hookctl(0, "subscribe", "--url", down.URL+"/down", "--events", "card.created")

	empty := c.hookctl(0, "replay", "--pending", "--yes", "-o", "json")
	var doc struct {
		Events, Deliveries []any
	}
	if err := json.Unmarshal(empty, &doc); err != nil || doc.Events == nil || doc.Deliveries == nil {
		t.Errorf("replay with nothing to replay: events and deliveries must be [] (%v)\n%s", err, empty)
	}
	order := topKeys(t, c.hookctl(1, "trigger", "card.created", "--no-retry", "-o", "json"))
	for range 4 {
		if got := topKeys(t, c.hookctl(1, "trigger", "card.created", "--no-retry", "-o", "json")); !slices.Equal(got, order) {
			t.Fatalf("trigger -o json keys in another order:\n%v\n%v", got, order)
		}
	}
	full := topKeys(t, c.hookctl(1, "replay", "--failed", "--yes", "-o", "json"))
	if got := topKeys(t, empty); !slices.Equal(got, full) {
		t.Errorf("replay with nothing to replay printed keys\n%v, a replay prints\n%v", got, full)
	}
}
