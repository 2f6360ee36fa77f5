package check

import (
	"errors"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestSchemeProps: the properties found by asking each scheme match what
// its provider documents.
func TestSchemeProps(t *testing.T) {
	want := map[string]Props{ // SigHeaders compared by count
		"standard":         {SignsBody: true, Timestamp: true, BoundsFuture: true, MultiSig: true},
		"svix":             {SignsBody: true, Timestamp: true, BoundsFuture: true, MultiSig: true},
		"standard-ed25519": {SignsBody: true, Timestamp: true, BoundsFuture: true, MultiSig: true},
		"stripe":           {SignsBody: true, Timestamp: true, MultiSig: true},
		"bond":             {SignsBody: true, Timestamp: true, BoundsFuture: true},
		"github":           {SignsBody: true},
		"mono":             {},
		"mambu":            {},
		"paystack":         {SignsBody: true},
		"shopify":          {SignsBody: true},
		"slack":            {SignsBody: true, Timestamp: true, BoundsFuture: true},
	}
	for _, name := range signature.Names() {
		w, ok := want[name]
		if !ok {
			t.Errorf("scheme %s has no expectation here", name)
			continue
		}
		secret, err := signature.GenerateSecret(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := SchemeProps(name, secret)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := [4]bool{p.SignsBody, p.Timestamp, p.BoundsFuture, p.MultiSig}
		if got != [4]bool{w.SignsBody, w.Timestamp, w.BoundsFuture, w.MultiSig} {
			t.Errorf("%s: props %+v, want %+v", name, got, w)
		}
		if len(p.SigHeaders) == 0 {
			t.Errorf("%s: no signature header found", name)
		}
	}
	// Mambu without a user:password secret signs nothing.
	if p, err := SchemeProps("mambu", ""); err != nil || len(p.SigHeaders) != 0 {
		t.Errorf("unsigned mambu: %+v %v", p, err)
	}
}

func TestSelect(t *testing.T) {
	sel, err := Select([]string{"accepts-valid,survives-burst", "rejects-wrong-secret"}, []string{"survives-burst"})
	if err != nil || len(sel) != 2 || !sel[AcceptsValid] || !sel[RejectsWrongSecret] {
		t.Fatalf("Select = %v, %v", sel, err)
	}
	sel, _ = Select(nil, []string{RespondsFast})
	if len(sel) != len(Defs)-1 || sel[RespondsFast] {
		t.Fatalf("skip: %v", sel)
	}
	for typo, want := range map[string]string{"accept-valid": "accepts-valid", "rejects-stale": "rejects-stale-timestamp", "burst": "survives-burst", "dedupe": "dedupes-duplicate"} {
		_, err := Select([]string{typo}, nil)
		var ue *UnknownCheckError
		if !errors.As(err, &ue) || ue.Suggestion != want || ue.ExitCode() != 2 {
			t.Errorf("%s: %v (suggestion %q, want %q)", typo, err, ue.Suggestion, want)
		}
	}
}

func TestProbeBodies(t *testing.T) {
	body := []byte(`{"type":"card.created","data":{"id":"c1"}}`)
	if tb := tamper(body, "application/json"); !gjson.GetBytes(tb, "hookctl_tampered").Bool() || !gjson.ValidBytes(tb) {
		t.Errorf("tamper: %s", tb)
	}
	if tb := tamper([]byte("<a>hello</a>"), "application/xml"); string(tb) == "<a>hello</a>" || len(tb) != 12 {
		t.Errorf("tamper xml: %s", tb)
	}
	p := pad(body, "application/json", largeSize)
	if !gjson.ValidBytes(p) || len(p) < largeSize-8 || len(p) > largeSize+8 {
		t.Errorf("pad: %d bytes, valid %v", len(p), gjson.ValidBytes(p))
	}
	if p := pad([]byte("x"), "text/plain", 1000); len(p) != 1000 {
		t.Errorf("pad text: %d", len(p))
	}
	u, typ, ok := unknownType("bond", body, "application/json", "card.created")
	if !ok || typ != "hookctl.check.unknown_event" || gjson.GetBytes(u, "type").Str != typ {
		t.Errorf("unknownType: %s %s %v", u, typ, ok)
	}
	if _, _, ok := unknownType("bond", []byte(`{"x":1}`), "application/json", "a"); ok {
		t.Error("unknownType found a type in a body without one")
	}
	// GitHub's type is its X-GitHub-Event header, filled from the type.
	if u, typ, ok := unknownType("github", []byte(`{"action":"opened"}`), "application/json", "issues.opened"); !ok || typ != "hookctl_check_unknown_event" || string(u) != `{"action":"opened"}` {
		t.Errorf("unknownType github: %s %s %v", u, typ, ok)
	}
}

// TestRelatedPair: the out-of-order probe pairs an object's first event
// with a later one, about the same object.
func TestRelatedPair(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ provider, base, first, later string }{
		{"bond", "card.created", "card.created", "card.status.active"},
		{"saas", "subscription.created", "subscription.created", "subscription.updated"},
		// GitHub's objects begin with "opened" (it said the github
		// catalog had no related events and skipped the check).
		{"github", "push", "issues.opened", "issues.edited"},
	} {
		et, err := cat.Lookup(tc.base, tc.provider)
		if err != nil {
			t.Fatal(err)
		}
		f, l := relatedPair(cat, et)
		if f == nil || f.Type != tc.first || l.Type != tc.later {
			t.Fatalf("%s: pair %v %v", tc.provider, f, l)
		}
		bf, _ := cat.Build(f, catalog.BuildOptions{})
		bl, _ := cat.Build(l, catalog.BuildOptions{})
		rel := relate(bf.Body, bl.Body, bf.ID, bl.ID)
		idPath := map[string]string{"bond": "card.card_id", "saas": "data.object.id", "github": "issue.node_id"}[tc.provider]
		if got, want := gjson.GetBytes(rel, idPath).Str, gjson.GetBytes(bl.Body, idPath).Str; got != want || got == "" {
			t.Errorf("%s: related %s = %q, want %q\n%s", tc.provider, idPath, got, want, rel)
		}
		if tc.provider == "github" {
			for _, p := range []string{"issue.id", "issue.number", "repository.id"} {
				if got, want := gjson.GetBytes(rel, p).Raw, gjson.GetBytes(bl.Body, p).Raw; got != want {
					t.Errorf("github: related %s = %s, want %s", p, got, want)
				}
			}
		}
		if tc.provider == "saas" && gjson.GetBytes(rel, "id").Str == gjson.GetBytes(bl.Body, "id").Str {
			t.Error("the event ids were made equal")
		}
	}
	std, _ := cat.Lookup("ping", "standard")
	if f, _ := relatedPair(cat, std); f != nil {
		t.Errorf("standard has a pair: %v", f.Type)
	}
}
