package delivery

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata golden files")

// TestSchemeHeaderSets pins the full header set each scheme's deliveries
// carry (as received by a real HTTP server), for an event of that scheme's
// own provider: signature, id, event-type and the provider's other
// headers. Values that change per request (signatures, times, ids) are
// masked; names and fixed values are pinned in testdata/headers.golden.
func TestSchemeHeaderSets(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	cat, err := catalog.Load(catalog.Options{FixturesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// The event each scheme is shown with: its provider's own where hookctl has one.
	events := map[string]string{"stripe": "stripe:payment_intent.succeeded", "github": "github:pull_request.opened",
		"bond": "bond:card.created", "mono": "mono:mono.events.account_updated", "mambu": "mambu:client.created",
		"standard": "standard:ping", "standard-ed25519": "standard:ping", "shopify": "saas:payment.succeeded",
		"paystack": "saas:payment.succeeded", "slack": "saas:payment.succeeded"}
	secrets := map[string]string{"standard-ed25519": "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
	var out strings.Builder
	s := &Sender{Client: NewHTTPClient(5*time.Second, 1), UserAgent: "hookctl/test", Now: func() time.Time { return time.Unix(1767225600, 0) }}
	for _, scheme := range signature.Names() {
		name, ok := events[scheme]
		if !ok {
			name = "saas:payment.succeeded"
		}
		et, err := cat.Lookup(name, "")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := cat.Build(et, catalog.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		secret := secrets[scheme]
		if secret == "" {
			secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		}
		se := &store.Event{ID: ev.ID, Type: ev.Type, Provider: ev.Provider, Payload: ev.Body, ContentType: ev.ContentType, Source: store.SourceTriggered}
		a, _, err := s.Send(context.Background(), se, Target{URL: srv.URL, Method: ev.Method, Scheme: scheme, Secrets: []string{secret}})
		if err != nil {
			if strings.Contains(err.Error(), "secret") {
				fmt.Fprintf(&out, "== %s (%s): %v\n", scheme, name, err)
				continue
			}
			t.Fatalf("%s: %v", scheme, err)
		}
		if a.ResponseStatus != 200 {
			t.Fatalf("%s: %+v", scheme, a)
		}
		masked := maskHeaders(got, ev.ID)
		var body struct {
			Repository struct {
				ID json.Number `json:"id"`
			} `json:"repository"`
		}
		if json.Unmarshal(ev.Body, &body) == nil && body.Repository.ID != "" {
			// The repository's id is fresh per build: the target header
			// names it, and the golden file says so.
			masked = strings.ReplaceAll(masked, ": "+string(body.Repository.ID)+"\n", ": <repository.id>\n")
		}
		fmt.Fprintf(&out, "== %s (%s)\n%s", scheme, name, masked)
	}
	compareGolden(t, "testdata/headers.golden", out.String())
}

var (
	reHex    = regexp.MustCompile(`[0-9a-f]{32,}`)
	reB64    = regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`)
	reUnix   = regexp.MustCompile(`\b1767225600\b`)
	reStamp  = regexp.MustCompile(`2026-01-01T00:00:00Z`)
	reLength = regexp.MustCompile(`^\d+$`)
)

func maskHeaders(h http.Header, id string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		v = strings.ReplaceAll(v, id, "<event-id>")
		v = reHex.ReplaceAllString(v, "<hex>")
		v = reB64.ReplaceAllString(v, "<base64>")
		v = reUnix.ReplaceAllString(v, "<unix>")
		v = reStamp.ReplaceAllString(v, "<time>")
		if k == "Content-Length" && reLength.MatchString(v) {
			v = "<n>"
		}
		if k == "Authorization" {
			v = "<basic>"
		}
		fmt.Fprintf(&b, "%s: %s\n", signature.HeaderName(k), v)
	}
	return b.String()
}

func compareGolden(t *testing.T, file, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update if intended):\n--- got\n%s", file, got)
	}
}

// TestGitHubFormContent: a subscription whose headers ask for form
// content gets payload=<json> form-encoded, signed over the form body (as
// GitHub signs it), with X-GitHub-Event carrying the event name only.
func TestGitHubFormContent(t *testing.T) {
	var body []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	payload := []byte(`{"action":"opened","number":1}`)
	ev := &store.Event{ID: "d0c5e4a2-0000-4000-8000-000000000001", Type: "pull_request.opened", Provider: "github", Payload: payload, ContentType: "application/json", Source: store.SourceTriggered}
	s := &Sender{Client: NewHTTPClient(5*time.Second, 1), UserAgent: "hookctl/test"}
	if _, _, err := s.Send(context.Background(), ev, Target{URL: srv.URL, Scheme: "github", Secrets: []string{"s3cret"},
		Headers: map[string]string{"Content-Type": FormContent}}); err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") != string(payload) {
		t.Fatalf("body %q: want payload=<json> (%v)", body, err)
	}
	if hdr.Get("Content-Type") != FormContent || hdr.Get("X-GitHub-Event") != "pull_request" || !strings.HasPrefix(hdr.Get("User-Agent"), "GitHub-Hookshot/") {
		t.Errorf("headers %v", hdr)
	}
	gh, _ := signature.Lookup("github")
	err = gh.Verify(signature.VerifyInput{Secrets: []string{"s3cret"}, Header: hdr, Body: body, Now: time.Now()})
	if err != nil {
		t.Errorf("signature over the form body: %v", err)
	}
}

// A received event re-sent signed with another scheme than its sender's
// keeps the sender's own headers but none of the old signature headers:
// an app detecting the scheme from the headers must not find two.
func TestReceivedResentKeepsHeadersNotOldSignature(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(5*time.Second, 1), UserAgent: "hookctl/test"}
	ev := &store.Event{ID: "evt_1", Type: "card.created", Provider: "standard", Payload: []byte(`{"type":"card.created"}`),
		ContentType: "application/json", Source: store.SourceReceived, Headers: http.Header{
			"Stripe-Signature": {"t=1,v1=00"}, "X-Tenant": {"acme"}, "Content-Encoding": {"identity"},
			"User-Agent": {"Stripe/1.0"}, "Content-Length": {"23"}}}
	a, _, err := s.Send(context.Background(), ev, Target{URL: srv.URL, Scheme: "standard", Secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
	if err != nil || a.ResponseStatus != 200 {
		t.Fatalf("%v %+v", err, a)
	}
	if v := got.Get("Stripe-Signature"); v != "" {
		t.Errorf("the old Stripe-Signature %q was sent beside the new signature", v)
	}
	if got.Get("Webhook-Signature") == "" || got.Get("Webhook-Id") != "evt_1" {
		t.Errorf("not signed afresh: %v", got)
	}
	for k, want := range map[string]string{"X-Tenant": "acme", "Content-Encoding": "identity", "User-Agent": "Stripe/1.0"} {
		if v := got.Get(k); v != want {
			t.Errorf("%s = %q, want the sender's %q", k, v, want)
		}
	}
}

// A received request that had no Content-Type (a GET webhook carrying
// its data in the query string) is re-sent without one: none is made up.
func TestReceivedWithoutContentTypeResentWithout(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(5*time.Second, 1), UserAgent: "hookctl/test"}
	ev := &store.Event{ID: "msg_get", Source: store.SourceReceived, Headers: http.Header{"Accept": {"*/*"}}}
	a, _, err := s.Send(context.Background(), ev, Target{URL: srv.URL + "/hook?verify_token=abc", Method: "GET",
		Scheme: "standard", Secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})
	if err != nil || a.ResponseStatus != 200 {
		t.Fatalf("%v %+v", err, a)
	}
	if got.Method != "GET" || got.URL.RawQuery != "verify_token=abc" {
		t.Fatalf("got %s %s", got.Method, got.URL)
	}
	if ct, ok := got.Header["Content-Type"]; ok {
		t.Errorf("Content-Type %q made up for a request that had none", ct)
	}
}
