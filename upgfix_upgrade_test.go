//go:build !windows

package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// checkLaterSchemas checks, on a store an older binary wrote and the
// current one migrated, what the schemas after the old one added: the
// type filter (PostgreSQL 17's deliveries.event_type, filled by the
// migration; SQLite 13's events index), the source filters, the
// subscription filter also for deliveries of subscriptions deleted
// before the upgrade (SQLite 14 / PostgreSQL 16) or after it, curl -k
// for attempts sent with --insecure (SQLite 10 / PostgreSQL 13), and a
// delivery written after the upgrade found by its event's type. old is
// the old binary's own export of the store.
func checkLaterSchemas(t *testing.T, u *upgradeEnv, old map[string]store.Record) {
	events := map[string]*store.Event{}
	subs := map[string]*store.Subscription{}
	var dels []*store.Delivery
	var insecure []*store.Attempt
	for _, r := range old {
		switch {
		case r.Event != nil:
			events[r.Event.ID] = r.Event
		case r.Subscription != nil:
			subs[r.Subscription.ID] = r.Subscription
		case r.Delivery != nil:
			dels = append(dels, r.Delivery)
		case r.Attempt != nil && r.Attempt.Insecure:
			insecure = append(insecure, r.Attempt)
		}
	}
	eventType := func(d *store.Delivery) string {
		if e := events[d.EventID]; e != nil {
			return e.Type
		}
		return ""
	}
	want := func(keep func(d *store.Delivery) bool) []string {
		ids := []string{}
		for _, d := range dels {
			if keep(d) {
				ids = append(ids, d.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	list := func(args ...string) []string {
		t.Helper()
		var ds []struct {
			ID string `json:"id"`
		}
		u.jsonOut(&ds, append([]string{"deliveries", "list", "--limit", "0"}, args...)...)
		ids := []string{}
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		return ids
	}
	same := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s after the upgrade: %d deliveries %v, want %d %v", what, len(got), got, len(want), want)
		}
	}

	// The type filter: deliveries list --event reads PostgreSQL 17's
	// event_type, which the migration filled in from each delivery's event.
	for _, pat := range []string{"card.created", "card.*", "kyc.verification.success"} {
		prefix, isPrefix := strings.CutSuffix(pat, "*")
		match := func(typ string) bool {
			if isPrefix {
				return strings.HasPrefix(typ, prefix)
			}
			return typ == pat
		}
		wantDels := want(func(d *store.Delivery) bool { return match(eventType(d)) })
		if len(wantDels) == 0 {
			t.Fatalf("the old store has no delivery of an event of type %s", pat)
		}
		same("deliveries list --event "+pat, list("--event", pat), wantDels)

		var evs []struct{ ID string }
		u.jsonOut(&evs, "events", "log", "--limit", "0", "--event", pat)
		var got, wantEvs []string
		for _, e := range evs {
			got = append(got, e.ID)
		}
		for id, e := range events {
			if match(e.Type) {
				wantEvs = append(wantEvs, id)
			}
		}
		slices.Sort(got)
		slices.Sort(wantEvs)
		if !slices.Equal(got, wantEvs) {
			t.Errorf("events log --event %s after the upgrade: %v, want %v", pat, got, wantEvs)
		}
	}

	// The source filters: what each delivery is, from its kind (listen's
	// forwards, check's probes) and its event's source.
	for _, src := range []string{store.DeliverySent, store.DeliveryReceived, store.DeliveryCheck} {
		same("deliveries list --source "+src, list("--source", src), want(func(d *store.Delivery) bool {
			es := ""
			if e := events[d.EventID]; e != nil {
				es = e.Source
			}
			return store.DeliverySource(d, es) == src
		}))
	}

	// The subscription filter, for the live subscriptions and for those
	// deleted before the upgrade whose deliveries kept their id (written
	// by a binary of SQLite 14 / PostgreSQL 16).
	ids := map[string]bool{}
	for id := range subs {
		ids[id] = true
	}
	for _, d := range dels {
		if d.DeletedSubscriptionID != "" {
			ids[d.DeletedSubscriptionID] = true
			if subs[d.DeletedSubscriptionID] != nil {
				t.Errorf("delivery %s names deleted subscription %s, which the old store still has", d.ID, d.DeletedSubscriptionID)
			}
		}
	}
	for id := range ids {
		same("deliveries list --subscription "+id, list("--subscription", id), want(func(d *store.Delivery) bool {
			return d.SubscriptionID == id || d.DeletedSubscriptionID == id
		}))
	}

	// An attempt the old binary sent with --insecure to an https receiver
	// is resent with curl -k.
	for _, a := range insecure {
		if !strings.HasPrefix(a.RequestURL, "https://") {
			continue
		}
		out := u.ok("deliveries", "show", a.DeliveryID, "--curl", "--attempt", strconv.Itoa(a.Number))
		if !strings.Contains(out, "curl -k ") && !strings.Contains(out, " -k ") {
			t.Errorf("deliveries show %s --curl --attempt %d (sent with --insecure): no -k\n%s", a.DeliveryID, a.Number, out)
		}
	}

	// Deleting a subscription on the upgraded store keeps its deliveries
	// findable by its id.
	var okSub string
	for id, s := range subs {
		if s.Description == "ok receiver" {
			okSub = id
		}
	}
	if okSub == "" {
		t.Fatal("the old store has no subscription 'ok receiver'")
	}
	before := list("--subscription", okSub)
	if len(before) == 0 {
		t.Fatalf("subscription %s has no deliveries after the upgrade", okSub)
	}
	u.ok("subscriptions", "delete", okSub, "--yes")
	same("deliveries list --subscription "+okSub+" once deleted", list("--subscription", okSub), before)
	var shown struct {
		SubscriptionID        string `json:"subscription_id"`
		DeletedSubscriptionID string `json:"deleted_subscription_id"`
	}
	out := u.ok("deliveries", "show", before[0], "-o", "json")
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("deliveries show %s -o json: %v\n%s", before[0], err, out)
	}
	if shown.SubscriptionID != "" || shown.DeletedSubscriptionID != okSub {
		t.Errorf("delivery %s of the deleted subscription %s: subscription_id %q, deleted_subscription_id %q",
			before[0], okSub, shown.SubscriptionID, shown.DeletedSubscriptionID)
	}

	// A delivery written after the upgrade is found by its event's type
	// (on PostgreSQL 17 its writer gives event_type).
	to, _ := upgradeReceiver(t)
	u.ok("trigger", "card.created", "--url", to, "--secret", "whsec_plJ3nmyCDGBKInavdOK15jsl", "--no-retry")
	after := list("--event", "card.created")
	wantAfter := want(func(d *store.Delivery) bool { return eventType(d) == "card.created" })
	if len(after) != len(wantAfter)+1 {
		t.Errorf("deliveries list --event card.created after a trigger on the upgraded store: %d deliveries, want %d", len(after), len(wantAfter)+1)
	}
}
