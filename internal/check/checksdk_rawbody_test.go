package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// stringify is what JSON.stringify(JSON.parse(body)) writes: compact,
// keys in their order, numbers as written (the catalog's are integers),
// every string re-encoded: an escaped "\u00e9" or "\/" comes back as "é"
// and "/". json.Compact, the stand-in of TestStripeReserialisedBodyFails,
// keeps the escapes as they were.
func stringify(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out bytes.Buffer
	str := json.NewEncoder(&out)
	str.SetEscapeHTML(false)
	type frame struct {
		object bool
		n      int
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out.WriteByte(byte(d))
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				out.WriteByte(':')
			case top.n > 0:
				out.WriteByte(',')
			}
			top.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack = append(stack, frame{object: v == '{'})
		case string:
			if err := str.Encode(v); err != nil {
				return nil, err
			}
			out.Truncate(out.Len() - 1) // Encode's newline
		case json.Number:
			out.WriteString(v.String())
		case bool:
			out.WriteString(map[bool]string{true: "true", false: "false"}[v])
		case nil:
			out.WriteString("null")
		}
	}
}

// TestStringifyStandIn: the stand-in keeps a compact catalog event byte
// for byte (as JSON.stringify does: the receiver below passes
// accepts-valid) and rewrites the escapes.
func TestStringifyStandIn(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":[1,{"b":null,"c":true}],"d":"x<y&z","e":-1.5e3}`: `{"a":[1,{"b":null,"c":true}],"d":"x<y&z","e":-1.5e3}`,
		`{"s":` + rawJSONValue + `}`:                           `{"s":"café café /"}`,
	} {
		got, err := stringify([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("stringify(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}

// TestReserialisedCompactBodyFails: a Standard Webhooks receiver (the svix
// library's way) that verifies JSON.stringify of the parsed body. The
// catalog's compact events survive the round trip, so it passed every
// check (found against the svix and @octokit/webhooks Node libraries,
// cmd/check's checksdk tests), and it refuses the first real event whose
// text has an escape. verifies-raw-body sends one and fails it, saying
// why; a receiver that verifies the raw bytes passes it. On the old
// code there was no such check: no verdict.
func TestReserialisedCompactBodyFails(t *testing.T) {
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
	for _, reserialise := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if reserialise {
				var err error
				if body, err = stringify(body); err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
			}
			if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
				http.Error(w, `{"error":"No matching signature found"}`, 400)
				return
			}
			w.WriteHeader(204)
		}))
		rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "standard", Secret: secret, Provider: "standard",
			Catalog: cat, Event: et, Burst: 3,
			Selected: map[string]bool{AcceptsValid: true, RejectsTamperedBody: true, VerifiesRawBody: true, AcceptsLargePayload: true}})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Result{}
		for _, c := range rep.Checks {
			got[c.ID] = c
		}
		for _, id := range []string{AcceptsValid, RejectsTamperedBody, AcceptsLargePayload} {
			if got[id].Verdict != Pass {
				t.Errorf("reserialise=%v: %s is %s (%s), want PASS: the compact events survive the round trip", reserialise, id, got[id].Verdict, got[id].Detail)
			}
		}
		raw, ok := got[VerifiesRawBody]
		switch {
		case !ok:
			t.Fatalf("reserialise=%v: no verdict for %s: %+v", reserialise, VerifiesRawBody, rep.Checks)
		case !reserialise && raw.Verdict != Pass:
			t.Errorf("raw-body receiver: %s is %s (%s), want PASS", VerifiesRawBody, raw.Verdict, raw.Detail)
		case reserialise && (raw.Verdict != Fail || raw.Status != 400 ||
			!strings.Contains(raw.Hint, "it verifies a re-serialised body") || !strings.Contains(raw.Hint, "verify the signature over the raw body bytes")):
			t.Errorf("re-serialising receiver: %s is %s (%d), hint %q; want FAIL 400 with the re-serialisation hint", VerifiesRawBody, raw.Verdict, raw.Status, raw.Hint)
		}
	}
}

// TestRawBodyApplies: verifies-raw-body is skipped, saying why, for a
// scheme that does not sign the body (Mono's secret header) and for
// events that are not JSON objects (a Mambu XML template).
func TestRawBodyApplies(t *testing.T) {
	if _, ok := rawJSON([]byte(`<deposit/>`), "application/xml"); ok {
		t.Error("rawJSON changed an XML body")
	}
	if _, ok := rawJSON([]byte(`[1]`), catalog.ContentJSON); ok {
		t.Error("rawJSON changed a JSON array")
	}
	out, ok := rawJSON([]byte("{\n  \"id\": \"evt_1\"\n}"), catalog.ContentJSON)
	if !ok || !json.Valid(out) || !bytes.Contains(out, []byte(`"hookctl_raw_json":`+rawJSONValue)) {
		t.Errorf("rawJSON of a pretty-printed object: %s", out)
	}
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("mono.events.account_updated", "mono")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "mono", Secret: "sec_mono_checksdk", Provider: "mono",
		Catalog: cat, Event: et, Selected: map[string]bool{AcceptsValid: true, VerifiesRawBody: true}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Checks {
		if c.ID == VerifiesRawBody {
			found = true
			if c.Verdict != Skip || c.Detail != "scheme mono does not sign the body" {
				t.Errorf("mono: %s %s %q, want SKIP: scheme mono does not sign the body", c.ID, c.Verdict, c.Detail)
			}
		}
	}
	if !found {
		t.Errorf("mono: no verdict for %s: %+v", VerifiesRawBody, rep.Checks)
	}
}
