package serve_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// serve's control API answers a delivery to a callback URL stored with a
// password (by an older hookctl) with the password masked, as
// deliveries show -o json does: /_hookctl/deliveries and
// /_hookctl/deliveries/{id} (its url and each attempt's request.url),
// and the trigger's answer. They gave it whole.
func TestMaskurlControlAPIMasksCallbackPassword(t *testing.T) {
	e := servetest.Start(t, nil)
	host := strings.TrimPrefix(e.Recv.URL, "http://")
	exact := "http://alice:s3cret@" + host + "/hook"
	masked := "http://alice:xxxxx@" + host + "/hook"
	sub := &store.Subscription{CallbackURL: exact, Events: []string{"card.*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
	if err := e.Store.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	var trig struct{ Deliveries []struct{ ID string } }
	if json.Unmarshal(body, &trig); code != 201 || len(trig.Deliveries) != 1 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	if strings.Contains(string(body), "s3cret") {
		t.Errorf("the trigger's answer shows the password: %s", body)
	}
	waitStatus(t, e, "succeeded", 1)
	for _, p := range []string{"/_hookctl/deliveries", "/_hookctl/deliveries/" + trig.Deliveries[0].ID} {
		code, body := e.Do("GET", p, nil, nil)
		if code != 200 || strings.Contains(string(body), "s3cret") || !strings.Contains(string(body), masked) {
			t.Errorf("%s: %d %s\nwant %s, never the password", p, code, body, masked)
		}
	}
}
