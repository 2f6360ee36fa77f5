package check

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/catalog"
)

// TestMalformedSignatureFails: a GitHub receiver comparing the
// X-Hub-Signature-256 header as GitHub's docs showed (Node's
// crypto.timingSafeEqual, which throws when the lengths differ: here a
// 500 on a header of another length), behind a guard for a missing
// header. Another secret's signature has the right length, so it passed
// every check, though any request with a short header makes it fail (or
// ends a node:http process). rejects-malformed-signature sends one and
// fails it with the hint to compare lengths first; a receiver comparing
// with hmac.Equal passes. On the old code: no such check, no verdict.
func TestMalformedSignatureFails(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("ping", "github")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "It's a Secret to Everybody"
	for _, throws := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got := r.Header.Get("X-Hub-Signature-256")
			if got == "" {
				http.Error(w, "no signature", 401)
				return
			}
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(body)
			want := "sha256=" + hex.EncodeToString(m.Sum(nil))
			if throws && len(got) != len(want) {
				http.Error(w, "RangeError [ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH]: Input buffers must have the same byte length", 500)
				return
			}
			if !hmac.Equal([]byte(got), []byte(want)) {
				http.Error(w, "signature does not match", 401)
				return
			}
			w.WriteHeader(200)
		}))
		rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "github", Secret: secret, Provider: "github",
			Catalog: cat, Event: et, Burst: 3})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		var mal *Result
		for i, c := range rep.Checks {
			switch {
			case c.ID == RejectsMalformedSig:
				mal = &rep.Checks[i]
			case c.Verdict == Fail:
				t.Errorf("throws=%v: %s FAIL (%s): only %s may fail", throws, c.ID, c.Detail, RejectsMalformedSig)
			}
		}
		switch {
		case mal == nil:
			t.Fatalf("throws=%v: no verdict for %s: %+v", throws, RejectsMalformedSig, rep.Checks)
		case !throws && mal.Verdict != Pass:
			t.Errorf("hmac.Equal receiver: %s %s (%s), want PASS", mal.ID, mal.Verdict, mal.Detail)
		case throws && (mal.Verdict != Fail || mal.Status != 500 ||
			!strings.Contains(mal.Detail, "x-hub-signature, x-hub-signature-256 cut to half their length: 500") ||
			!strings.Contains(mal.Hint, "crypto.timingSafeEqual") || !strings.Contains(mal.Hint, "compare the lengths first")):
			t.Errorf("timingSafeEqual receiver: %s %s %d %q, hint %q; want FAIL 500 with the length hint", mal.ID, mal.Verdict, mal.Status, mal.Detail, mal.Hint)
		}
	}
}

// TestMalformedSignatureSkipped: without a signature (Mambu with no
// user:password) there is nothing to malform.
func TestMalformedSignatureSkipped(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("client.created", "mambu")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "mambu", Provider: "mambu",
		Catalog: cat, Event: et, Selected: map[string]bool{AcceptsValid: true, RejectsMalformedSig: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.ID == RejectsMalformedSig {
			if c.Verdict != Skip || !strings.HasPrefix(c.Detail, "scheme mambu sends no signature or secret") {
				t.Errorf("%s %s %q, want SKIP: scheme mambu sends no signature or secret", c.ID, c.Verdict, c.Detail)
			}
			return
		}
	}
	t.Errorf("no verdict for %s: %+v", RejectsMalformedSig, rep.Checks)
}
