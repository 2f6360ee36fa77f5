package check

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// stripeSecret signs the Stripe probes of these tests.
const stripeSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// stripeFixture is the catalog, its payment_intent.succeeded Stripe
// event and the stripe scheme, for probes a Stripe receiver judges.
func stripeFixture(t *testing.T) (*catalog.Catalog, *catalog.EventType, signature.Scheme) {
	t.Helper()
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("payment_intent.succeeded", "stripe")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := signature.Lookup("stripe")
	if err != nil {
		t.Fatal(err)
	}
	return cat, et, sch
}

// TestStripeReserialisedBodyFails: a Stripe receiver that parses the JSON
// first and verifies the re-serialised body (the classic mistake:
// express.json() then JSON.stringify(req.body)) must fail accepts-valid,
// as it fails on every event Stripe sends (pretty-printed). One that
// verifies the raw bytes passes.
func TestStripeReserialisedBodyFails(t *testing.T) {
	cat, et, sch := stripeFixture(t)
	receiver := func(reserialise bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if reserialise { // JSON.stringify(JSON.parse(body)): compact, same key order
				var b bytes.Buffer
				if err := json.Compact(&b, body); err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
				body = b.Bytes()
			}
			if err := sch.Verify(signature.VerifyInput{Secrets: []string{stripeSecret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
				http.Error(w, "Webhook Error: "+err.Error(), 400)
				return
			}
			w.WriteHeader(200)
		}
	}
	for _, tc := range []struct {
		name        string
		reserialise bool
		want        Verdict
	}{{"raw body", false, Pass}, {"re-serialised body", true, Fail}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(receiver(tc.reserialise))
			defer srv.Close()
			rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "stripe", Secret: stripeSecret, Provider: "stripe",
				Catalog: cat, Event: et, Selected: map[string]bool{AcceptsValid: true}})
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Checks[0]
			if got.ID != AcceptsValid || got.Verdict != tc.want {
				t.Fatalf("%s: %s %s: %s (hint %q)", tc.name, got.ID, got.Verdict, got.Detail, got.Hint)
			}
			if tc.want == Fail && !strings.Contains(got.Hint, "raw body") {
				t.Errorf("hint does not name the raw body: %q", got.Hint)
			}
		})
	}
}

// TestRefusedValidEventsExplained: when the receiver refuses every valid
// event (here a re-serialised Stripe body), the later checks that send
// valid events fail (nothing is weakened) but point at accepts-valid
// instead of their own fix (queue the work, raise the body limit, check
// every signature…), which would send the developer the wrong way.
func TestRefusedValidEventsExplained(t *testing.T) {
	cat, et, sch := stripeFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b bytes.Buffer
		_ = json.Compact(&b, body)
		if err := sch.Verify(signature.VerifyInput{Secrets: []string{stripeSecret}, Header: r.Header, Body: b.Bytes(), Now: time.Now()}); err != nil {
			http.Error(w, "Webhook Error: "+err.Error(), 400)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "stripe", Secret: stripeSecret, Provider: "stripe",
		Catalog: cat, Event: et, Burst: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Verdict{
		AcceptsValid: Fail, AcceptsRotatedSecret: Fail, AcknowledgesDuplicate: Fail, ToleratesOutOfOrder: Fail,
		IgnoresUnknownEvent: Warn, AcceptsLargePayload: Fail, SurvivesBurst: Fail,
		RejectsMissingSig: Fail, RejectsWrongSecret: Fail, RejectsTamperedBody: Fail, RejectsStaleTimestamp: Fail,
	}
	for _, c := range rep.Checks {
		w, ok := want[c.ID]
		if !ok {
			continue
		}
		delete(want, c.ID)
		if c.Verdict != w {
			t.Errorf("%s: %s, want %s: %s", c.ID, c.Verdict, w, c.Detail)
		}
		switch c.ID {
		case AcceptsValid:
			if !strings.Contains(c.Hint, "before any JSON parsing") {
				t.Errorf("accepts-valid hint: %q", c.Hint)
			}
		case AcceptsRotatedSecret, AcknowledgesDuplicate, ToleratesOutOfOrder, IgnoresUnknownEvent, AcceptsLargePayload, SurvivesBurst:
			if !strings.HasPrefix(c.Hint, "valid events are refused with 400 as well (see accepts-valid)") {
				t.Errorf("%s hint: %q", c.ID, c.Hint)
			}
		}
	}
	for id := range want {
		t.Errorf("%s: no verdict", id)
	}
}
