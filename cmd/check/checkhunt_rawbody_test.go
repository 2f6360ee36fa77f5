package check_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// noRawBodyHint is what accepts-valid says when the verification library
// complained that it got no raw body.
const noRawBodyHint = "the receiver's signature check got no raw body to verify"

// TestCheckhuntNoRawBodyHintSDK: a newcomer's express receiver with
// svix's Webhook.verify and express.raw() without a type (it reads only
// application/octet-stream: req.body stays empty for JSON), or with
// express.json() (a parsed object), refuses every valid event with
// verify's complaint. accepts-valid named the fix of another mistake
// ("verify … over the raw body bytes, before any JSON parsing …; and
// check that the receiver's secret is the one …"), which sent the
// developer of the first one, who does pass the raw body, to compare
// secrets. The hint now says the verification got no raw body and how
// express reads one. Node with npm: HOOKCTL_NODE=1 (sdkNode).
func TestCheckhuntNoRawBodyHintSDK(t *testing.T) {
	t.Parallel()
	for _, variant := range []string{"rawdefault", "jsonparsed"} {
		t.Run(variant, func(t *testing.T) {
			dir := sdkNode(t)
			t.Parallel()
			src, err := os.ReadFile(filepath.Join("testdata", "checksdk", "checkhunt_receiver.cjs"))
			if err != nil {
				t.Fatal(err)
			}
			// A copy per case: a case writing it while the other's node
			// reads it would hand node half a script.
			script := filepath.Join(dir, "checkhunt_receiver_"+variant+".cjs")
			if err := os.WriteFile(script, src, 0o644); err != nil {
				t.Fatal(err)
			}
			url, _ := sdkReceiver(t, exec.Command("node", script), "VARIANT="+variant, "SECRET="+sdkStandardSecret)
			r := hookctl(t, nil, "check", url, "--provider", "standard", "--secret", sdkStandardSecret,
				"--only", "accepts-valid,rejects-wrong-secret", "-o", "json")
			if r.code != 1 || r.report == nil || len(r.report.Checks) != 2 {
				t.Fatalf("want exit 1, got\n%s", r.dump())
			}
			c := r.report.Checks[0]
			if c.ID != check.AcceptsValid || c.Verdict != check.Fail || c.Status != 400 {
				t.Fatalf("accepts-valid: %s %d, want FAIL 400\n%s", c.Verdict, c.Status, r.dump())
			}
			if !strings.Contains(c.Hint, noRawBodyHint) || !strings.Contains(c.Hint, `express.raw({ type: "application/json" })`) ||
				strings.Contains(c.Hint, "check that the receiver's secret") {
				t.Errorf("accepts-valid hint %q: want it to say the verification got no raw body and how express reads one", c.Hint)
			}
		})
	}
}

// TestCheckhuntNoRawBodyHint: the same hint without Node, for the
// complaints of the libraries a receiver answers with (a 400 it writes,
// a 500 it lets through), and not for a plain signature mismatch, nor
// for Stripe's mismatch message, which asks about the raw body.
func TestCheckhuntNoRawBodyHint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		body   string
		want   bool
	}{
		{400, `{"error":"Expected payload to be of type string, Buffer or Uint8Array."}`, true},                               // standardwebhooks
		{400, `{"error":"Cannot read properties of undefined (reading 'constructor')"}`, true},                                // svix, undefined body
		{500, `Webhook payload must be provided as a string or a Buffer instance representing the _raw_ request body.`, true}, // stripe, uncaught
		{400, `{"error":"No matching signature found"}`, false},
		{400, `No signatures found matching the expected signature for payload. Are you passing the raw request body you received from Stripe?`, false},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		r := hookctl(t, nil, "check", srv.URL, "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid", "-o", "json")
		srv.Close()
		if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 {
			t.Fatalf("%d %s: want exit 1, got\n%s", tc.status, tc.body, r.dump())
		}
		if got := strings.Contains(r.report.Checks[0].Hint, noRawBodyHint); got != tc.want {
			t.Errorf("%d %s: hint %q; want the no-raw-body hint: %v", tc.status, tc.body, r.report.Checks[0].Hint, tc.want)
		}
	}
}
