package check

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestStripeReserialisedBodyFails: a Stripe receiver that parses the JSON
// first and verifies the re-serialised body (the classic mistake:
// express.json() then JSON.stringify(req.body)) must fail accepts-valid,
// as it fails on every event Stripe sends (pretty-printed). One that
// verifies the raw bytes passes.
func TestStripeReserialisedBodyFails(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("payment_intent.succeeded", "stripe")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sch, err := signature.Lookup("stripe")
	if err != nil {
		t.Fatal(err)
	}
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
			if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
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
			rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "stripe", Secret: secret, Provider: "stripe",
				Catalog: cat, Event: et, Selected: map[string]bool{AcceptsValid: true}})
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Checks[0]
			if got.ID != AcceptsValid || got.Verdict != tc.want {
				t.Fatalf("%s: %s %s: %s (hint %q)", tc.name, got.ID, got.Verdict, got.Detail, got.Hint)
			}
		})
	}
}

// TestWireBody: Stripe probes are pretty-printed as Stripe sends them,
// the same JSON; other providers' bodies are sent as built.
func TestWireBody(t *testing.T) {
	body := []byte(`{"id":"evt_1","object":"event","data":{"object":{"amount":2000}}}`)
	got := wireBody("stripe", "application/json", body)
	want := "{\n  \"id\": \"evt_1\",\n  \"object\": \"event\",\n  \"data\": {\n    \"object\": {\n      \"amount\": 2000\n    }\n  }\n}"
	if string(got) != want {
		t.Errorf("stripe:\n%s\nwant\n%s", got, want)
	}
	if got := wireBody("bond", "application/json", body); !bytes.Equal(got, body) {
		t.Errorf("bond changed: %s", got)
	}
	if got := wireBody("stripe", "application/xml", []byte("<a/>")); string(got) != "<a/>" {
		t.Errorf("non-JSON changed: %s", got)
	}
}

