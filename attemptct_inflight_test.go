//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// An attempt in flight when its subscription is deleted (`subscriptions
// delete` from another process while `trigger` waits on the receiver):
// the delivery ends failed "subscription deleted", and the attempt the
// receiver got is counted and shown — `deliveries list` and `deliveries
// show -o json`, and serve's GET /_hookctl/deliveries and
// /_hookctl/deliveries/{id}, say attempt_count 1 (last_status 200) and
// list it. Before, the attempt was stored but attempt_count stayed 0.
func TestAttemptctInFlightAtDeleteSQLite(t *testing.T) {
	t.Parallel()
	testAttemptInFlightAtDelete(t, newCrashEnv(t))
}

// TestAttemptctInFlightAtDeletePostgres is the same on PostgreSQL.
func TestAttemptctInFlightAtDeletePostgres(t *testing.T) {
	t.Parallel()
	testAttemptInFlightAtDelete(t, pgEnv(t, pgtest.URL(t)))
}

func testAttemptInFlightAtDelete(t *testing.T, c *crashEnv) {
	got, release := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- struct{}{}:
		default:
		}
		<-release
	}))
	t.Cleanup(srv.Close)
	released := false
	t.Cleanup(func() {
		if !released {
			close(release)
		}
	})
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", srv.URL+"/h", "--events", "card.*", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	tr := c.start("trigger", "card.created", "--retry-schedule", "0s,1h", "--timeout", "60s")
	select {
	case <-got:
	case <-time.After(2 * time.Minute):
		t.Fatal("the receiver got no request")
	}
	c.hookctl(0, "subscriptions", "delete", sub.ID, "--yes")
	close(release)
	released = true
	_ = tr.wait(t, 2*time.Minute) // its delivery failed: exit 1

	ds := c.deliveries()
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	d := ds[0]
	if d.Status != "failed" || d.LastError != "subscription deleted" || d.AttemptCount != 1 {
		t.Errorf("deliveries list: %s %q attempt_count %d; want failed \"subscription deleted\", 1 (the receiver got it)\n%s",
			d.Status, d.LastError, d.AttemptCount, tr.stderr.String())
	}
	var show struct {
		Status       string `json:"status"`
		LastError    string `json:"last_error"`
		LastStatus   int    `json:"last_status"`
		AttemptCount int    `json:"attempt_count"`
		Attempts     []struct {
			Number int `json:"number"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "show", d.ID, "-o", "json"), &show); err != nil {
		t.Fatal(err)
	}
	if show.Status != "failed" || show.LastError != "subscription deleted" || show.AttemptCount != 1 || show.LastStatus != 200 ||
		len(show.Attempts) != 1 || show.Attempts[0].Number != 1 {
		t.Errorf("deliveries show -o json: %+v; want failed \"subscription deleted\", attempt_count 1, last_status 200, attempt 1", show)
	}

	// serve's control API (the report: attempt_count 0 there).
	base := strings.TrimSuffix(startServe(t, c.cmd("hookctl", "serve", "--port", "0", "--no-worker", "-o", "json")).URL, "/")
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var list struct {
		Data []struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			AttemptCount int    `json:"attempt_count"`
		} `json:"data"`
	}
	get("/_hookctl/deliveries", &list)
	if len(list.Data) != 1 || list.Data[0].ID != d.ID || list.Data[0].Status != "failed" || list.Data[0].AttemptCount != 1 {
		t.Errorf("GET /_hookctl/deliveries: %+v; want %s failed, attempt_count 1", list.Data, d.ID)
	}
	show.Attempts = nil
	get("/_hookctl/deliveries/"+d.ID, &show)
	if show.Status != "failed" || show.AttemptCount != 1 || len(show.Attempts) != 1 {
		t.Errorf("GET /_hookctl/deliveries/%s: %+v; want failed, attempt_count 1, its attempt", d.ID, show)
	}
}
