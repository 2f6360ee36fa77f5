package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// TestHuntlistenAppRedirectsBehindListen: an app behind listen that
// redirects (Go's ServeMux sends POST /webhooks to /webhooks/ with a
// 307, as Express's and Django's trailing-slash rules do) gets a hint
// that points at the app and listen's --forward. The old code read the
// app's relative Location against listen's own URL and told trigger's
// user "http://127.0.0.1:8830/ answered 307, redirecting to
// http://127.0.0.1:8830/webhooks/: … send to that URL instead": a URL
// that listen would forward on to …/webhooks/webhooks/, and no word
// that the redirect was the app's. listen itself logged a bare [307].
func TestHuntlistenAppRedirectsBehindListen(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	c := newCrashEnv(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/webhooks/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	})
	app := httptest.NewServer(mux)
	defer app.Close()
	port := mustFreePort(t)
	stop := startListen(t, c, port, "--forward", app.URL+"/webhooks")

	var out, errb bytes.Buffer
	cmd := c.cmd("hookctl", "trigger", "card.created", "--no-retry")
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("trigger: %v, want exit 1\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	stderr := errb.String()
	listenURL := "127.0.0.1:" + port
	if strings.Contains(stderr, "redirecting to http://"+listenURL) || strings.Contains(stderr, "send to that URL instead") {
		t.Errorf("trigger's hint sends the user to listen's URL:\n%s", stderr)
	}
	want := "hookctl listen at " + listenURL + " forwarded it to your app, which answered 307, redirecting to /webhooks/"
	if !strings.Contains(stderr, want) {
		t.Errorf("trigger's stderr lacks %q:\n%s", want, stderr)
	}
	_, listenErr := stop()
	want = "hookctl: hint: your app answered 307 to POST " + app.URL + "/webhooks, redirecting to " + app.URL + "/webhooks/: senders do not follow redirects, nor does listen: hookctl listen --forward " + app.URL + "/webhooks/"
	if !strings.Contains(listenErr, want) {
		t.Errorf("listen's stderr lacks %q:\n%s", want, listenErr)
	}
	if n := strings.Count(listenErr, "your app answered 307"); n != 1 {
		t.Errorf("the hint came %d times", n)
	}
}
