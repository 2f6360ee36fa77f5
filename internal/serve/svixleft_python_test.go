package serve_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftPythonStripeFidelity: the official stripe Python library
// sees serve answer as Stripe does where serve differed: an
// Idempotency-Key first used to create an endpoint, then sent to update
// it, raises IdempotencyError in Stripe's words naming both paths (serve
// said the parameters differed); expand on a webhook endpoint raises
// InvalidRequestError "This property cannot be expanded (application)."
// (serve took it); and request_id, on answers and errors alike, is
// Stripe's req_… (serve sent no Request-Id: None), a replay's its own.
func TestSvixleftPythonStripeFidelity(t *testing.T) {
	py := pythonWithStripe(t)
	e := servetest.Start(t, nil)
	script, _ := filepath.Abs(filepath.Join("testdata", "python", "svixleft_stripe_fidelity.py"))
	r := runClient(t, exec.Command(py, script, e.URL), "python svixleft_stripe_fidelity.py")
	id, _ := r["id"].(string)
	wantMsg := "Keys for idempotent requests can only be used for the same endpoint they were first used for ('/v1/webhook_endpoints' vs '/v1/webhook_endpoints/" + id +
		"'). Try using a key other than 'py-key-1' if you meant to execute a different request."
	if r["otherEndpoint"] != "IdempotencyError" || r["otherEndpointMessage"] != wantMsg || r["otherEndpointStatus"] != float64(400) {
		t.Errorf("the key on another endpoint: %v %v %v\nwant IdempotencyError 400 %q", r["otherEndpoint"], r["otherEndpointStatus"], r["otherEndpointMessage"], wantMsg)
	}
	if want := "InvalidRequestError 400 This property cannot be expanded (application)."; r["expand"] != want {
		t.Errorf("expand: %v, want %s", r["expand"], want)
	}
	reqID := regexp.MustCompile(`^req_[A-Za-z0-9]{14}$`)
	for _, k := range []string{"createRequestId", "replayRequestId", "errorRequestId", "missingRequestId"} {
		if s, _ := r[k].(string); !reqID.MatchString(s) {
			t.Errorf("%s: %q, want a req_ id", k, s)
		}
	}
	if r["replayedSame"] != true || r["replayRequestId"] == r["createRequestId"] {
		t.Errorf("the replay: same endpoint %v, request ids %v / %v (want the replay's own)", r["replayedSame"], r["createRequestId"], r["replayRequestId"])
	}
	if t.Failed() {
		t.Log(fmt.Sprint(r))
	}
}
