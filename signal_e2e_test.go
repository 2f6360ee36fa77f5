//go:build !windows

package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGHUP (a closed terminal, a dropped SSH session) stops a worker as
// Ctrl-C does: the attempt in flight is finished and recorded, the worker
// exits 0. It killed the worker at once (exit 129): the receiver had the
// request, the log had no attempt, and the delivery was sent again after
// the lease expired.
func TestWorkerSIGHUPFinishesInFlight(t *testing.T) {
	got := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- struct{}{}:
		default:
		}
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	e := newPTYEnv(t)
	// Due in 1s, left pending for the worker.
	e.plain("trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "1s", "--wait", "1ms")

	w := e.command(nil, "worker", "--timeout", "60s")
	var stderr bytes.Buffer
	w.Stderr = &stderr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- w.Wait() }()
	select {
	case <-got:
	case err := <-exited:
		t.Fatalf("worker exited before delivering: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		w.Process.Kill()
		t.Fatalf("the worker did not deliver:\n%s", stderr.String())
	}
	if err := w.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	close(release)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("worker after SIGHUP: %v, want exit 0\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		w.Process.Kill()
		t.Fatalf("the worker did not stop after SIGHUP:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "1 succeeded") {
		t.Errorf("no summary with the finished attempt:\n%s", stderr.String())
	}
	if out := e.plain("deliveries", "list", "--status", "succeeded"); !strings.Contains(out, "\tsucceeded\t1/1\t200\t") {
		t.Errorf("the attempt in flight is not recorded as succeeded:\n%s", out)
	}
}
