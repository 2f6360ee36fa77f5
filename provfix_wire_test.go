package main

import (
	"strings"
	"testing"
)

// TestProvfixMambuKeyPerNotification: one Mambu event to two
// subscriptions (two webhooks), each delivery retried once and then
// replayed. Mambu's x-notifications-idempotency-key names one
// notification, the message one webhook gets (its communication history
// keeps one per webhook, and a resend sends that message again): two
// webhooks, two keys; a retry and a manual resend of one, its key.
// hookctl sent the event's id as every webhook's key, so a receiver
// behind two webhooks (or one receiver keyed across them) dropped the
// second notification as a duplicate only here.
func TestProvfixMambuKeyPerNotification(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	rec := newWireReceiver(t)
	wireSubscribe(c, "--url", rec.URL+"/a", "--events", "loan.disbursed")
	wireSubscribe(c, "--url", rec.URL+"/b", "--events", "loan.disbursed")
	run := wireTrigger(c, 2, "mambu:loan.disbursed")
	if len(run.Events) != 1 || len(run.Deliveries) != 2 {
		t.Fatalf("%d events, %d deliveries: want one event to two subscriptions", len(run.Events), len(run.Deliveries))
	}
	for _, d := range run.Deliveries {
		c.hookctl(0, "replay", d.ID, "--force")
	}
	keys := map[string]string{}
	for _, path := range []string{"/a", "/b"} {
		reqs := rec.at(path)
		if len(reqs) != 3 {
			t.Fatalf("%s got %d requests, want 3 (first attempt, retry, replay)", path, len(reqs))
		}
		for i, q := range reqs {
			key := q.Header.Get("X-Notifications-Idempotency-Key")
			if len(key) != 36 || strings.Count(key, "-") != 4 {
				t.Errorf("%s request %d: x-notifications-idempotency-key %q is not a UUID", path, i+1, key)
			}
			if i == 0 {
				keys[path] = key
			} else if key != keys[path] {
				t.Errorf("%s request %d: x-notifications-idempotency-key %q, the first attempt had %q: a retry or resend keeps it", path, i+1, key, keys[path])
			}
			if string(q.Body) != string(reqs[0].Body) {
				t.Errorf("%s request %d: the payload changed (a resend sends it as stored)", path, i+1)
			}
		}
	}
	if keys["/a"] == keys["/b"] {
		t.Errorf("two webhooks, one x-notifications-idempotency-key %s: want one per notification", keys["/a"])
	}
}
