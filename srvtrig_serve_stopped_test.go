//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// serve's control trigger follows hookctl trigger's rule: the
// subscription of a hookctl listen killed with SIGKILL (still enabled,
// its process gone) is skipped, and the JSON answer says so (skipped,
// with the reason trigger warns with); with no other receiver it is a 422
// no_running_receiver, not a delivery retried against a refused port.
func TestSrvtrigServeControlTriggerSkipsStoppedListen(t *testing.T) {
	c := newCrashEnv(t)
	lis := c.cmd("hookctl", "listen", "--port", "0", "--events", "*", "-o", "json")
	ready, _, done := startJSONListen(t, lis)
	// kill -9: listen cannot disable its subscription.
	if err := lis.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer app.Close()
	var sub struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", app.URL+"/h", "--events", "card.*", "-o", "json"), &sub); err != nil || sub.ID == "" {
		t.Fatalf("subscribe: %v", err)
	}

	srv := startServe(t, c.cmd("hookctl", "serve", "--port", "0", "-o", "json"))
	post := func() (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/_hookctl/trigger", "application/json", strings.NewReader(`{"type":"card.created"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	wantReason := "hookctl listen on :" + strconv.Itoa(ready.Port) + " is not running — start it or \"hookctl subscriptions disable " + ready.SubscriptionID + "\""

	code, body := post()
	var got struct {
		Deliveries []struct {
			SubscriptionID string `json:"subscription_id"`
		}
		Skipped []struct{ Subscription, Reason string }
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusCreated {
		t.Fatalf("trigger: %d %s (%v)", code, body, err)
	}
	if len(got.Deliveries) != 1 || got.Deliveries[0].SubscriptionID != sub.ID {
		t.Fatalf("deliveries %+v, want one to %s only (the killed listen's %s skipped)\n%s", got.Deliveries, sub.ID, ready.SubscriptionID, body)
	}
	if len(got.Skipped) != 1 || got.Skipped[0].Subscription != ready.SubscriptionID || got.Skipped[0].Reason != wantReason {
		t.Fatalf("skipped %+v, want %s: %q", got.Skipped, ready.SubscriptionID, wantReason)
	}

	// No other receiver: nothing is stored to send, and the answer says why.
	c.hookctl(0, "subscriptions", "disable", sub.ID)
	code, body = post()
	var fail struct {
		Error struct {
			Code, Message string
			Skipped       []struct{ Subscription, Reason string }
		}
	}
	if err := json.Unmarshal([]byte(body), &fail); err != nil || code != http.StatusUnprocessableEntity ||
		fail.Error.Code != "no_running_receiver" || len(fail.Error.Skipped) != 1 || fail.Error.Skipped[0].Reason != wantReason {
		t.Fatalf("trigger with only the killed listen's subscription: %d %s (%v)", code, body, err)
	}
}
