package serve_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// pythonWithStripe is the Python that has the official stripe library:
// Debian's python3-stripe (PyPI is not reachable from CI; .ci/run installs
// the package) lives in /usr/bin/python3's dist-packages, which another
// python3 on PATH (pyenv) does not see. Like the Node checks it runs with
// HOOKCTL_PYTHON=1 (.ci/test sets it when the library imports) and is
// skipped loudly otherwise.
func pythonWithStripe(t *testing.T) string {
	t.Helper()
	skip := func(why string) {
		msg := "SKIPPED: the official stripe Python library was not tested against hookctl serve: " + why
		fmt.Fprintln(os.Stderr, msg)
		t.Skip(msg)
	}
	if os.Getenv("HOOKCTL_PYTHON") == "" {
		skip("set HOOKCTL_PYTHON=1 to run it (.ci/test does when python3 can import stripe)")
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import stripe").Run() == nil {
			return py
		}
	}
	t.Fatal("HOOKCTL_PYTHON is set but no python3 can import stripe (apt-get install python3-stripe)")
	return ""
}

// TestPythonStripeClient: an app using the stripe Python library manages
// its webhook endpoint through serve's Stripe-style API, and its receiver
// verifies the delivery with stripe.Webhook.construct_event (and refuses a
// tampered body).
func TestPythonStripeClient(t *testing.T) {
	py := pythonWithStripe(t)
	e := servetest.Start(t, nil)
	script, _ := filepath.Abs(filepath.Join("testdata", "python", "stripe_client.py"))
	r := runClient(t, exec.Command(py, script, e.URL), "python stripe_client.py")
	if r["verified"] != true {
		t.Fatalf("stripe.Webhook.construct_event rejected the delivery: %v", r)
	}
	if !strings.HasPrefix(r["id"].(string), "we_") || r["secretPrefix"] != "whsec_" || r["retrievedSecret"] != "" ||
		r["description"] != "from python" || r["fetchedType"] != "payment.succeeded" || r["deleted"] != true || r["missing"] != "resource_missing" ||
		r["tampered"] != "SignatureVerificationError" || r["listed"] != float64(1) ||
		r["disabled"] != "disabled" || r["reenabled"] != "enabled" || fmt.Sprint(r["metadataAfter"]) != "map[]" ||
		fmt.Sprint(r["enabled"]) != "[payment.succeeded payment.failed]" || fmt.Sprint(r["metadata"]) != "map[team:billing]" {
		t.Fatalf("stripe python client: %v", r)
	}
}
