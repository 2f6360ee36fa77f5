package check_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestCheckhuntAnswersBeforeVerifying: a receiver that answers 200 "ok"
// at once, before it reads the body, then verifies and acts on valid
// events only, fails every rejects-* check (the provider counts the 200
// as delivered) and ignores-rejected passes (it acted on none of them).
// Their hints said only to answer 400 or 401 to a request that fails
// verification; they now add that the answer is the one a valid event
// gets, so the handler answers before it verifies: verify first.
func TestCheckhuntAnswersBeforeVerifying(t *testing.T) {
	t.Parallel()
	sch, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	effect := filepath.Join(t.TempDir(), "processed.log")
	if err := os.WriteFile(effect, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var seen sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.EnableFullDuplex() // the body is still read after the answer (Node's and Python's servers allow it)
		w.Write([]byte("ok")) // answered first
		rc.Flush()
		body, _ := io.ReadAll(r.Body)
		if sch.Verify(signature.VerifyInput{Secrets: []string{stdSecret}, Header: r.Header, Body: body, Now: time.Now()}) != nil {
			return
		}
		if _, dup := seen.LoadOrStore(r.Header.Get("Webhook-Id"), true); dup {
			return
		}
		if f, err := os.OpenFile(effect, os.O_APPEND|os.O_WRONLY, 0); err == nil {
			fmt.Fprintln(f, r.Header.Get("Webhook-Id"))
			f.Close()
		}
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL, "--scheme", "standard", "--secret", stdSecret,
		"--only", "accepts-valid,rejects-wrong-secret,rejects-tampered-body,dedupes-duplicate,ignores-rejected",
		"--effect-cmd", "wc -l < "+effect, "--effect-wait", "1s", "-o", "json")
	if r.code != 1 || r.report == nil {
		t.Fatalf("want exit 1, got\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		switch c.ID {
		case check.RejectsWrongSecret, check.RejectsTamperedBody:
			if c.Verdict != check.Fail || !strings.Contains(c.Hint, "the app did not act on this request") ||
				!strings.Contains(c.Hint, "it got the answer a valid event gets, ok: if the handler answers before it verifies, verify first") {
				t.Errorf("%s: %s, hint %q: want FAIL saying it answers before verifying", c.ID, c.Verdict, c.Hint)
			}
		case check.IgnoresRejected:
			if c.Verdict != check.Pass {
				t.Errorf("%s: %s %q, want PASS", c.ID, c.Verdict, c.Detail)
			}
		}
	}
}
