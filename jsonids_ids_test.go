package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// TestJsonidsIDBytesRoundTrip: listen records an event's id and type as
// the sender sent them, bytes that need not be UTF-8 (SQLite keeps them).
// -o json wrote them with U+FFFD in place of those bytes, so a script that
// read an id from events log -o json could not look the event up again.
// Now every -o json writes such text as the export does
// ("\u0001base64:" and its bytes, store.EncodeText), and events show and
// deliveries show take that form back. Real binary, real listen, SQLite.
func TestJsonidsIDBytesRoundTrip(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(app.Close)
	c := newCrashEnv(t)
	const secret = "whsec_dGVzdHNlY3JldA=="
	port := mustFreePort(t)
	stop := startListen(t, c, port, "--secret", secret, "--forward", app.URL)
	const id, typ = "id_\xe9", "t\xe9.created"
	// Raw bytes in the webhook-id header, the type's in the body.
	if code := huntstoreSend(t, "http://127.0.0.1:"+port+"/webhooks", secret, id, `{"type":"`+typ+`"}`); code != http.StatusOK {
		t.Fatalf("listen answered %d", code)
	}
	listenOut, _ := stop()
	wantID, wantType := store.EncodeText(id), store.EncodeText(typ)
	if !strings.HasPrefix(wantID, store.HeaderBytesPrefix) {
		t.Fatalf("EncodeText(%q) = %q", id, wantID)
	}
	noFFFD := func(what string, b []byte) {
		t.Helper()
		if strings.Contains(string(b), "\uFFFD") || strings.Contains(string(b), `\ufffd`) {
			t.Errorf("%s wrote U+FFFD for the id's bytes:\n%s", what, b)
		}
	}

	// listen -o json's event line.
	var sawListen bool
	for _, line := range strings.Split(listenOut, "\n") {
		var l struct {
			Kind      string
			EventID   string `json:"event_id"`
			EventType string `json:"event_type"`
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Kind != "event" {
			continue
		}
		sawListen = true
		if l.EventID != wantID || l.EventType != wantType {
			t.Errorf("listen -o json: event_id %q, event_type %q; want %q, %q", l.EventID, l.EventType, wantID, wantType)
		}
	}
	if !sawListen {
		t.Errorf("listen -o json printed no event line:\n%s", listenOut)
	}

	// events log -o json: the id a script reads.
	logOut := c.hookctl(0, "events", "log", "-o", "json")
	noFFFD("events log -o json", logOut)
	var log []struct{ ID, Type string }
	if err := json.Unmarshal(logOut, &log); err != nil || len(log) != 1 {
		t.Fatalf("events log -o json: %v:\n%s", err, logOut)
	}
	if log[0].ID != wantID || log[0].Type != wantType {
		t.Fatalf("events log -o json: id %q, type %q; want %q, %q", log[0].ID, log[0].Type, wantID, wantType)
	}

	// events show <that id> finds the event.
	showOut := c.hookctl(0, "events", "show", log[0].ID, "-o", "json")
	var shown struct {
		ID, Type   string
		Deliveries struct{ Succeeded int }
	}
	if err := json.Unmarshal(showOut, &shown); err != nil {
		t.Fatalf("events show %q -o json: %v:\n%s", log[0].ID, err, showOut)
	}
	if shown.ID != wantID || shown.Type != wantType || shown.Deliveries.Succeeded != 1 {
		t.Errorf("events show %q -o json: %s", log[0].ID, showOut)
	}
	// On a terminal-less stdout, the text view still escapes the bytes.
	if text := string(c.hookctl(0, "events", "show", log[0].ID)); !strings.Contains(text, `Event id_\xe9`) {
		t.Errorf("events show %q:\n%s", log[0].ID, text)
	}

	// deliveries list / show -o json: the same event id and type.
	listOut := c.hookctl(0, "deliveries", "list", "-o", "json")
	noFFFD("deliveries list -o json", listOut)
	var ds []struct {
		ID        string
		EventID   string `json:"event_id"`
		EventType string `json:"event_type"`
	}
	if err := json.Unmarshal(listOut, &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries list -o json: %v:\n%s", err, listOut)
	}
	if ds[0].EventID != wantID || ds[0].EventType != wantType {
		t.Errorf("deliveries list -o json: event_id %q, event_type %q; want %q, %q", ds[0].EventID, ds[0].EventType, wantID, wantType)
	}
	dshow := c.hookctl(0, "deliveries", "show", ds[0].ID, "-o", "json")
	var d struct {
		EventID string `json:"event_id"`
		Event   struct{ ID, Type string }
	}
	if err := json.Unmarshal(dshow, &d); err != nil {
		t.Fatalf("deliveries show -o json: %v:\n%s", err, dshow)
	}
	if d.EventID != wantID || d.Event.ID != wantID || d.Event.Type != wantType {
		t.Errorf("deliveries show -o json: %s", dshow)
	}

	// deliveries show <event id> (and replay) name the event's delivery.
	cmd := c.cmd("hookctl", "deliveries", "show", wantID)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is not a delivery but an event") || !strings.Contains(string(out), ds[0].ID) {
		t.Errorf("deliveries show <encoded event id>: %v:\n%s", err, out)
	}
}
