package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// startListen runs the real listen with args (plus --port port -o json)
// until the test ends; stop interrupts it and returns its stdout and
// stderr.
func startListen(t *testing.T, c *crashEnv, port string, args ...string) (stop func() (string, string)) {
	t.Helper()
	cmd := c.cmd("hookctl", append([]string{"listen", "--port", port, "-o", "json"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	waitHealthy(t, "127.0.0.1:"+port, exited)
	return func() (string, string) {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Fatal("listen did not stop on SIGINT")
		}
		return out.String(), errb.String()
	}
}

// Two real listens forwarding to each other, both verifying a provider's
// secret: the event goes A → B → A and A refuses it (508, the reason),
// instead of bouncing until the connection limits answered 429. Each
// counts what it saw in its summary.
func TestListenForwardLoop(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	pa, pb := mustFreePort(t), mustFreePort(t)
	const secret = "whsec_dGVzdHNlY3JldA=="
	stopA := startListen(t, c, pa, "--forward", pb, "--scheme", "stripe", "--secret", secret)
	stopB := startListen(t, c, pb, "--forward", pa, "--scheme", "stripe", "--secret", secret)

	body := []byte(`{"id":"evt_loop_1","object":"event","type":"charge.succeeded"}`)
	sc, err := signature.Lookup("stripe")
	if err != nil {
		t.Fatal(err)
	}
	h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, Timestamp: time.Now(), Body: body})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:"+pa+"/hook", bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusLoopDetected || !strings.Contains(string(got), "forwarding loop") || !strings.Contains(string(got), `"code":"loop_detected"`) {
		t.Fatalf("the sender got %d %s, want 508 loop_detected", resp.StatusCode, got)
	}
	outA, errA := stopA()
	_, errB := stopB()
	if !strings.Contains(errA, "Received 2, verified 1, rejected 1; forwarded 0 ok, 1 failed") {
		t.Errorf("A's summary: %s", errA)
	}
	if !strings.Contains(errB, "Received 1, verified 1, rejected 0; forwarded 0 ok, 1 failed") {
		t.Errorf("B's summary: %s", errB)
	}
	if !strings.Contains(outA, `"kind":"rejected","event_id":"evt_loop_1"`) || !strings.Contains(outA, "forwarding loop: this request was already forwarded by this listen") {
		t.Errorf("A's log has no rejected line for the loop:\n%s", outA)
	}
	// Kept as refused for the loop, not for its signature (it was valid).
	if log := string(c.hookctl(0, "events", "log")); !strings.Contains(log, "none (forwarding loop)") || strings.Contains(log, "signature rejected") {
		t.Errorf("events log:\n%s", log)
	}
	if comp := string(c.hookctl(0, "__complete", "events", "show", "rej_")); !strings.Contains(comp, "(forwarding loop)") {
		t.Errorf("completion of rej_ ids:\n%s", comp)
	}
	// Its signature was never checked: events show and -o json say it
	// was refused, not that its signature is invalid.
	m := regexp.MustCompile(`"recorded_as":"(rej_[0-9a-f]+)"`).FindStringSubmatch(outA)
	if m == nil {
		t.Fatalf("A's log names no rej_ id:\n%s", outA)
	}
	if show := string(c.hookctl(0, "events", "show", m[1])); !strings.Contains(show, "Refused:    forwarding loop: this request was already forwarded") ||
		!strings.Contains(show, "Signature:  not checked") || strings.Contains(show, "invalid") {
		t.Errorf("events show %s:\n%s", m[1], show)
	}
	if js := string(c.hookctl(0, "events", "log", "-o", "json")); !strings.Contains(js, `"verdict": "refused: forwarding loop`) || strings.Contains(js, `"invalid`) {
		t.Errorf("events log -o json:\n%s", js)
	}
}

// A request with more than 64 KiB of headers is answered 431 with the
// reason (it was a bare "431 Request Header Fields Too Large"), and the
// summary counts it with the other refusals.
func TestListenHeadersTooLarge(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	port := mustFreePort(t)
	stop := startListen(t, c, port)
	for _, h := range []map[string]string{
		{"X-Big": strings.Repeat("a", 70<<10)},
		func() map[string]string {
			m := map[string]string{}
			for _, k := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q"} {
				m["X-"+k] = strings.Repeat("b", 4000)
			}
			return m
		}(),
	} {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:"+port+"/hook", strings.NewReader(`{"id":"evt_h"}`))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(string(got), "larger than 64 KiB") {
			t.Errorf("%d %s, want 431 with the reason", resp.StatusCode, got)
		}
	}
	_, stderr := stop()
	if !strings.Contains(stderr, "2 requests with headers over 64 KiB answered 431") {
		t.Errorf("the summary does not count them:\n%s", stderr)
	}
}
