package events

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// events show with a stored event's id (or a unique prefix of it) prints
// that event as stored: verdict, delivery states, headers with
// credentials masked and control characters escaped, the bytes. It said
// 'unknown event' for every id 'events log' lists, so a request listen
// had rejected could not be looked at from the command line.
func TestShowStoredEvent(t *testing.T) {
	f, _, out, errOut := factory()
	f.Config = &config.Config{Store: filepath.Join(t.TempDir(), "h.db")}
	f.OpenStore = func(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, dsn) }
	t.Cleanup(func() { f.Close() })
	st, err := f.Store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body := "{\"type\":\"card.created\",\"note\":\"\x1b]0;pwned\x07\"}"
	rej := &store.Event{ID: "rej_0a1b2c3d4e5f60718293a4b5", Type: "card.created", Provider: "standard", Source: store.SourceReceived,
		Payload: []byte(body), ContentType: "application/json", Verdict: "invalid: no matching signature",
		Headers: map[string][]string{"Authorization": {"Bearer s3cr3t-token"}, "Webhook-Id": {"msg_1"}}, CreatedAt: time.Now().Add(-time.Minute)}
	sent := &store.Event{ID: "evt_sent1", Type: "card.created", Provider: "bond", Source: store.SourceTriggered, Payload: []byte(`{"a":1}`),
		CreatedAt: time.Now()}
	if err := st.CreateEvent(context.Background(), rej, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateEvent(context.Background(), sent, []*store.Delivery{{URL: "http://127.0.0.1:1/h", MaxAttempts: 1, Schedule: "0s"}}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) error {
		out.Reset()
		errOut.Reset()
		c := newShowCmd(f, nil)
		c.SetArgs(args)
		c.SilenceUsage, c.SilenceErrors = true, true
		return c.Execute()
	}
	if err := run("rej_0a1b"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"Event rej_0a1b2c3d4e5f60718293a4b5", "invalid: no matching signature", "Webhook-Id: msg_1", "Authorization: Bearer ",
		"Deliveries: none", `\x1b]0;pwned\x07`} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "s3cr3t") || strings.Contains(got, "\x1b") {
		t.Errorf("a credential or a raw escape in the output:\n%q", got)
	}
	f.IOStreams.SetFormat("json")
	if err := run("evt_sent1"); err != nil {
		t.Fatal(err)
	}
	var j storedJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || j.ID != "evt_sent1" || strings.Join(strings.Fields(string(j.Payload)), "") != `{"a":1}` || j.Deliveries.Pending != 1 || j.Source != "triggered" {
		t.Fatalf("json: %v %s", err, out)
	}
	// The body under the key a sample's has (events show TYPE -o json).
	var keyed map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &keyed); err != nil || strings.Join(strings.Fields(string(keyed["body"])), "") != `{"a":1}` {
		t.Fatalf("json body: %v %s", err, out)
	}
	f.IOStreams.SetFormat("table")
	err = run("evt_nope")
	if ee, ok := err.(*cli.ExitError); !ok || ee.Code != cli.ExitUsage || !strings.Contains(err.Error(), `no event type or stored event "evt_nope"`) {
		t.Fatalf("unknown id: %v", err)
	}
	// A type still means the catalog's sample (no store needed).
	if err := run("card.created"); err != nil || !strings.Contains(out.String(), `"event"`) {
		t.Fatalf("a type: %v %s", err, out)
	}
}
