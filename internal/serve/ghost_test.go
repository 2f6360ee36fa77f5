package serve_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// ghostCall is one request to an API, and what its 503 holds in that
// API's envelope.
type ghostCall struct {
	name, method, path string
	hdr                map[string]string
	body               string
	shape              string
}

func ghostDo(t *testing.T, base string, c ghostCall) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func removeStoreFile(t *testing.T, db string) {
	t.Helper()
	for _, s := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(db + s); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

func want503(t *testing.T, c ghostCall, code int, hdr http.Header, body, db, when string) {
	t.Helper()
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "2" || !strings.Contains(body, c.shape) ||
		!strings.Contains(body, db) || !strings.Contains(body, "hookctl serve stops") {
		t.Errorf("%s %s: %d (Retry-After %q) %s; want 503 with Retry-After 2 in the API's envelope, naming the store",
			c.name, when, code, hdr.Get("Retry-After"), body)
	}
}

// A write through any API once the SQLite file was deleted is refused
// with 503 and Retry-After in the API's envelope, naming the store (it
// was answered 2xx, and lost with the process), and nothing is written.
func TestWriteToDeletedStoreFileRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Not started: no watch, so each write finds out by itself.
	s, err := serve.New(serve.Options{Store: st, NoWorker: true, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	json := map[string]string{"Authorization": "Bearer k", "Content-Type": "application/json"}
	bond := map[string]string{"Identity": "i", "Authorization": "k", "Content-Type": "application/json"}
	calls := []ghostCall{
		{"bond", "POST", "/api/v0.1/webhooks", bond, `{"events":["card.created"],"callback_url":"http://127.0.0.1:1/b"}`, `"Status":503`},
		{"stripe", "POST", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"},
			"url=http://127.0.0.1:1/s&enabled_events[]=*", `"type":"api_error"`},
		{"svix", "POST", "/api/v1/app", json, `{"name":"a"}`, `"code":"server_error"`},
		{"control", "POST", "/_hookctl/trigger", json, `{"type":"card.created"}`, `"code":"store_unavailable"`},
	}
	for _, c := range calls {
		if code, _, body := ghostDo(t, ts.URL, c); code/100 != 2 {
			t.Fatalf("%s with the store in place: %d %s", c.name, code, body)
		}
	}
	removeStoreFile(t, db)
	for _, c := range calls {
		code, hdr, body := ghostDo(t, ts.URL, c)
		want503(t, c, code, hdr, body, db, "after the store file was deleted")
	}
	// Nothing was written into the deleted file either.
	subs, err := st.ListSubscriptions(context.Background(), store.SubscriptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Errorf("%d subscriptions in the deleted file, want the 2 made before", len(subs))
	}
}

// A running server notices by itself that its store file is gone (no
// write needed), says so on StoreGone, and answers every API request,
// reads too, 503 in the API's envelope (what it would read is the deleted
// file's), and health 503 naming the file.
func TestStoreFileGoneStopsServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	e := servetest.StartWith(t, st, nil)
	if e.Server.StoreGoneErr() != nil {
		t.Fatal("gone before anything happened")
	}
	removeStoreFile(t, db)
	select {
	case <-e.Server.StoreGone():
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not notice its store file was deleted")
	}
	if err := e.Server.StoreGoneErr(); !store.IsGone(err) || !strings.Contains(err.Error(), db) {
		t.Fatalf("StoreGoneErr: %v", err)
	}
	auth := map[string]string{"Authorization": "Bearer k"}
	for _, c := range []ghostCall{
		{"bond", "GET", "/api/v0.1/webhooks", map[string]string{"Identity": "i", "Authorization": "k"}, "", `"Status":503`},
		{"stripe", "GET", "/v1/webhook_endpoints", auth, "", `"type":"api_error"`},
		{"svix", "GET", "/api/v1/app", auth, "", `"code":"service_unavailable"`},
		{"mambu", "POST", "/api/communications/messages:search", map[string]string{"apiKey": "k", "Accept": servetest.MambuV2Accept}, "[]", `"errorCode":6,`},
		{"control", "GET", "/_hookctl/deliveries", nil, "", `"code":"store_unavailable"`},
	} {
		code, hdr, body := ghostDo(t, e.URL, c)
		want503(t, c, code, hdr, body, db, "once the server found its store file gone")
	}
	code, _, body := ghostDo(t, e.URL, ghostCall{name: "health", method: "GET", path: "/_hookctl/health"})
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"store":"unavailable"`) || !strings.Contains(body, db+": the file is gone") {
		t.Errorf("health: %d %s", code, body)
	}
}
