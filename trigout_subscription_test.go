package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// trigger --subscription ID names the subscription: the event is sent
// even when its --events do not take it (as stripe trigger and Svix's
// send to an endpoint honour an explicit target), but no longer
// silently: one "hookctl: warning:" line on stderr names its filter;
// under -o json the document's outside_filter says it and stderr has no
// warning. A subscription that takes the event gets neither. Seen failing
// on main (no warning, no field).
func TestTrigoutSubscriptionOutsideItsFilterWarns(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got.Add(1)
	}))
	t.Cleanup(srv.Close)
	subID := func(events string) string {
		var s struct {
			ID string `json:"webhook_id"`
		}
		if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", srv.URL+"/"+events, "--events", events, "-o", "json"), &s); err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	kyc, card := subID("kyc.*"), subID("card.*")

	out, errb := trigoutRun(t, c, 0, "trigger", "card.created", "--subscription", kyc)
	want := "hookctl: warning: subscription " + kyc + " does not take card.created (its filter: --events kyc.*): sent anyway, as --subscription names it\n"
	if errb != want || got.Load() != 1 || !strings.Contains(out, "1 delivery: 1 succeeded") {
		t.Errorf("outside its filter: sent %d, stderr:\n%s\nwant:\n%s\nstdout:\n%s", got.Load(), errb, want, out)
	}

	out, errb = trigoutRun(t, c, 0, "trigger", "card.created", "--subscription", kyc, "-o", "json")
	var doc struct {
		Outside *struct {
			SubscriptionID string   `json:"subscription_id"`
			Events         []string `json:"events"`
		} `json:"outside_filter"`
		Summary struct {
			Succeeded int `json:"succeeded"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Outside == nil || doc.Outside.SubscriptionID != kyc ||
		strings.Join(doc.Outside.Events, ",") != "kyc.*" || doc.Summary.Succeeded != 1 || strings.Contains(errb, "warning") {
		t.Errorf("-o json: %+v %v\nstdout: %s\nstderr: %s", doc.Outside, err, out, errb)
	}

	out, errb = trigoutRun(t, c, 0, "trigger", "card.created", "--subscription", card, "-o", "json")
	if strings.Contains(out, "outside_filter") || errb != "" {
		t.Errorf("a subscription that takes it: stdout %s\nstderr: %s", out, errb)
	}
	if _, errb = trigoutRun(t, c, 0, "trigger", "card.created", "--subscription", card); errb != "" {
		t.Errorf("a subscription that takes it: stderr %q", errb)
	}
}
