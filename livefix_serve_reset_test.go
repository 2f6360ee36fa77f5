//go:build !windows

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeLiveLogAfterReset: the live log at serve's / (a test suite's
// inspector) whose store is emptied between two tests by POST
// /_hookctl/reset: on SQLite the next deliveries take the seqs from 1
// again, below the stream's cursor. The stream says so (event: reset:
// the page reloads) and sends them. Before, it never sent one again.
func TestServeLiveLogAfterReset(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	g.run("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created")
	p := startServe(t, g.cmd("serve", "--allow-reset", "--port", "0", "-o", "json"))
	base := strings.TrimSuffix(p.URL, "/")
	trigger := func() string {
		t.Helper()
		resp, err := http.Post(base+"/_hookctl/trigger", "application/json", strings.NewReader(`{"type":"card.created"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out struct {
			Deliveries []struct{ ID string } `json:"deliveries"`
		}
		if resp.StatusCode/100 != 2 || json.Unmarshal(b, &out) != nil || len(out.Deliveries) == 0 {
			t.Fatalf("trigger: %d %s", resp.StatusCode, b)
		}
		return out.Deliveries[0].ID
	}
	for range 3 {
		trigger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var got strings.Builder
	waitFor := func(what, s string) {
		t.Helper()
		for !strings.Contains(got.String(), s) {
			l, ok := <-lines
			if !ok {
				t.Fatalf("no %s on the stream:\n%s", what, got.String())
			}
			got.WriteString(l + "\n")
		}
	}
	waitFor("hello", "event: hello")
	r, err := http.Post(base+"/_hookctl/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode/100 != 2 {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	g.run("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created") // the reset deleted it
	id := trigger()
	waitFor("the reset", "event: reset")
	waitFor("the delivery triggered after the reset", id)
}
