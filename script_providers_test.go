package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// TestProviderScripts runs testdata/script_providers/*.txtar: hookctl
// delivering to apps written with the providers' own libraries.
//
//	stripeapp SECRET OUT   start an app (in the test process) on $STRIPEAPP that
//	                       verifies with stripe-go's webhook.ConstructEvent and
//	                       writes the PaymentIntent's integer amount to OUT
//	npminstall PKG...      install npm packages into a temporary directory and
//	                       set $NODE_PATH
//	[node]                 HOOKCTL_NODE=1, node and npm on PATH
func TestProviderScripts(t *testing.T) {
	p := ScriptParams(t, "testdata/script_providers")
	p.Cmds["stripeapp"] = cmdStripeApp
	p.Cmds["npminstall"] = cmdNPMInstall
	p.Condition = func(cond string) (bool, error) {
		if cond != "node" {
			return false, fmt.Errorf("unknown condition %q", cond)
		}
		// [node]: HOOKCTL_NODE=1 and node and npm on PATH.
		_, e1 := exec.LookPath("node")
		_, e2 := exec.LookPath("npm")
		return os.Getenv("HOOKCTL_NODE") != "" && e1 == nil && e2 == nil, nil
	}
	testscript.Run(t, p)
}

func cmdStripeApp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: stripeapp SECRET OUT")
	}
	secret, out := args[0], ts.MkAbs(args[1])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := io.ReadAll(r.Body)
		// The official library, strictly: signature, tolerance and API version.
		event, err := webhook.ConstructEvent(payload, r.Header.Get("Stripe-Signature"), secret)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(event.Data.Raw, &pi); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var amount int64 = pi.Amount // an integer in the smallest currency unit
		line := fmt.Sprintf("type=%s id=%s object=%s amount=%d currency=%s status=%s customer=%s latest_charge=%s ua=%q\n",
			event.Type, pi.ID[:3], event.Data.Object["object"], amount, pi.Currency, pi.Status, pi.Customer.ID[:4], pi.LatestCharge.ID[:3], r.UserAgent())
		if err := os.WriteFile(out, []byte(line), 0o644); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusOK)
	})}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	ts.Setenv("STRIPEAPP", ln.Addr().String())
}

func cmdNPMInstall(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: npminstall PKG...")
	}
	dir := filepath.Join(ts.Getenv("WORK"), ".npm-packages")
	cmd := exec.Command("npm", append([]string{"install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir}, args...)...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = append(os.Environ(), "npm_config_cache="+filepath.Join(os.TempDir(), "hookctl-npm-cache"))
	if out, err := cmd.CombinedOutput(); err != nil {
		ts.Fatalf("npm install %v: %v\n%s", args, err, out)
	}
	ts.Setenv("NODE_PATH", filepath.Join(dir, "node_modules"))
}
