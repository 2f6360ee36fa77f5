//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// outfixGet GETs u and returns the status and the body.
func outfixGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestOutfixHTTPIDBytesRoundTrip: listen records an event's id and type
// as the sender sent them, bytes that need not be UTF-8 (SQLite keeps
// them). The CLI's -o json writes them "\u0001base64:…"
// (store.EncodeText) and its commands take that form back, but hookctl
// serve's control API marshalled them as Go strings: the bytes came out
// as U+FFFD, and no route found the event by the id it was given. Now
// the control API writes them as -o json does and its routes that take an
// event or delivery id (?event_id=, ?starting_after=, /deliveries/{id},
// replay's ids) read that form back; the inspector (hookctl ui) opens an
// event's page by it too, and by the link its events page gives. Real
// binary, real listen, SQLite.
func TestOutfixHTTPIDBytesRoundTrip(t *testing.T) {
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
	if code := huntstoreSend(t, "http://127.0.0.1:"+port+"/webhooks", secret, id, `{"type":"`+typ+`"}`); code != http.StatusOK {
		t.Fatalf("listen answered %d", code)
	}
	stop()
	wantID, wantType := store.EncodeText(id), store.EncodeText(typ)

	// hookctl serve's control API.
	base := strings.TrimSuffix(startServe(t, c.cmd("hookctl", "serve", "--port", "0", "--no-worker", "-o", "json")).URL, "/")
	code, body := outfixGet(t, base+"/_hookctl/events")
	var evs struct {
		Data []struct{ ID, Type string }
	}
	if err := json.Unmarshal(body, &evs); err != nil || code != 200 || len(evs.Data) != 1 {
		t.Fatalf("GET /_hookctl/events: %d %v:\n%s", code, err, body)
	}
	if evs.Data[0].ID != wantID || evs.Data[0].Type != wantType {
		t.Fatalf("GET /_hookctl/events: id %q, type %q; want %q, %q", evs.Data[0].ID, evs.Data[0].Type, wantID, wantType)
	}
	got := evs.Data[0].ID

	// The id as the API gave it finds the event's delivery.
	code, body = outfixGet(t, base+"/_hookctl/deliveries?event_id="+url.QueryEscape(got))
	var ds struct {
		Data []struct {
			ID      string
			EventID string `json:"event_id"`
		}
	}
	if err := json.Unmarshal(body, &ds); err != nil || code != 200 || len(ds.Data) != 1 {
		t.Fatalf("GET /_hookctl/deliveries?event_id=%s: %d %v:\n%s", got, code, err, body)
	}
	if ds.Data[0].EventID != wantID {
		t.Errorf("GET /_hookctl/deliveries?event_id=: event_id %q; want %q", ds.Data[0].EventID, wantID)
	}
	// starting_after: the page after that event (none), not a 404.
	if code, body := outfixGet(t, base+"/_hookctl/events?starting_after="+url.QueryEscape(got)); code != 200 || !strings.Contains(string(body), `"data":[]`) {
		t.Errorf("GET /_hookctl/events?starting_after=<the id>: %d\n%s", code, body)
	}
	if code, body := outfixGet(t, base+"/_hookctl/deliveries/"+url.PathEscape(ds.Data[0].ID)); code != 200 || !strings.Contains(string(body), `"event_id":"\u0001base64:`) {
		t.Errorf("GET /_hookctl/deliveries/{id}: %d\n%s", code, body)
	}

	// The inspector: its events page shows the id escaped, and links the
	// event's page by its bytes; the form -o json and the API give opens
	// the page too.
	ui := strings.TrimSuffix(startServe(t, c.cmd("hookctl", "ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json")).URL, "/")
	code, body = outfixGet(t, ui+"/events")
	if code != 200 || !strings.Contains(string(body), `id_\xe9`) || !strings.Contains(string(body), `href="/events/id_%e9"`) && !strings.Contains(string(body), `href="/events/id_%E9"`) {
		t.Errorf("GET /events: %d; want the id escaped (id_\\xe9) and its link /events/id_%%E9:\n%s", code, body)
	}
	for _, p := range []string{"/events/id_%E9", "/events/" + url.PathEscape(got)} {
		code, body := outfixGet(t, ui+p)
		if code != 200 || !strings.Contains(string(body), `data-event-id="id_\xe9"`) {
			t.Errorf("GET %s: %d; want the event's page:\n%s", p, code, body)
		}
	}
}
