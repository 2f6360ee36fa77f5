//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// listen named every event signed the Stripe way "saas", the provider
// that had the stripe scheme first: a real Stripe charge.succeeded
// (listen --scheme stripe --secret whsec_from_dashboard) showed as
// saas:charge.succeeded in listen's log, its -o json lines, events log
// and the inspector, though the catalog (README's Events table) has it as
// the stripe provider's only. A type one provider has under the scheme
// is that provider's now; one both have (customer.updated) stays the
// older provider's, as its plain name is everywhere.
func TestHuntdocsListenNamesStripeEventsStripe(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer app.Close()
	e := newPTYEnv(t)
	c := e.command([]string{"NO_COLOR=1"}, "listen", "--port", "0", "--forward", app.URL, "-o", "json")
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Process.Signal(syscall.SIGINT)
		c.Wait()
	}()
	lines := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	next := func(kind string) map[string]any {
		t.Helper()
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatalf("listen's output ended before a %s line", kind)
				}
				if m["kind"] == kind {
					return m
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no %s line after 20s", kind)
			}
		}
	}
	ready := next("ready")
	sub := ready["subscription_id"].(string)
	for _, tc := range []struct{ event, want string }{
		{"stripe:charge.succeeded", "stripe"},
		{"stripe:invoice.paid", "stripe"}, // standard has invoice.paid too, under another scheme
		{"payment.succeeded", "saas"},
		{"customer.updated", "saas"}, // saas's and stripe's: the plain name is saas's
	} {
		e.plain("trigger", tc.event, "--subscription", sub)
		m := next("event")
		typ := tc.event[strings.Index(tc.event, ":")+1:]
		if m["event_type"] != typ || m["provider"] != tc.want {
			t.Errorf("%s through listen: event_type %v, provider %v; want %s, %s", tc.event, m["event_type"], m["provider"], typ, tc.want)
		}
	}
	// A Stripe charge.succeeded listen refuses (not signed with its
	// secret) is kept as the stripe provider's too.
	resp, err := http.Post(ready["url"].(string), "application/json", strings.NewReader(`{"id":"evt_x1","object":"event","type":"charge.succeeded"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", ready["url"].(string), strings.NewReader(`{"id":"evt_x2","object":"event","type":"charge.succeeded"}`))
	req.Header.Set("Stripe-Signature", "t=1,v1=00")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	next("rejected")
	if m := next("rejected"); m["provider"] != "stripe" {
		t.Errorf("a refused Stripe charge.succeeded: provider %v, want stripe: %v", m["provider"], m)
	}
}
