//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// evseqDump writes a store export file of events without deliveries
// (ids, created at at) and, for each of pending, an event with one
// pending delivery due far in the future (kept by store prune).
func evseqDump(t *testing.T, path, at string, ids []string, pending ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"hookctl_dump":{"version":2,"exported_at":"2026-12-06T07:00:00Z","store":"sqlite"}}` + "\n")
	line := func(v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteString("\n")
	}
	event := func(id string) {
		line(map[string]any{"event": map[string]any{"id": id, "type": "card.created", "provider": "bond", "source": "received",
			"created_at": at, "content_type": "application/json", "payload": map[string]any{"id": id}}})
	}
	for _, id := range pending {
		event(id)
	}
	for _, id := range ids {
		event(id)
	}
	for _, id := range pending {
		line(map[string]any{"delivery": map[string]any{"id": "dlv-" + id, "event_id": id, "url": "http://127.0.0.1:9/hook",
			"status": "pending", "max_attempts": 5, "schedule": "0s", "created_at": at, "updated_at": at,
			"next_attempt_at": "2099-01-01T00:00:00Z"}})
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEvseqUILiveAfterNewestEventsPruned: the live log of `hookctl ui`
// follows a store holding a pending delivery (its cursor) and events
// without deliveries (what listen received); `store prune` deletes those
// events, the newest of the log, and an import then stores three new
// ones in one transaction, all while the stream does not look (ui
// stopped, outside a write). The stream sends all three. Before schema
// 12 they took the pruned events' seqs again (2, 3, 4 under an event
// cursor of 3): the stream, whose delivery at the cursor was still
// there, sent only the third and never the other two.
func TestEvseqUILiveAfterNewestEventsPruned(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	first := filepath.Join(g.dir, "first.jsonl")
	evseqDump(t, first, "2020-01-02T03:04:05Z", []string{"evt_pruned_1", "evt_pruned_2"}, "evt_kept")
	g.run("store", "import", first)
	cmd := g.cmd("ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGCONT); cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l struct{ Kind, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
				ready <- strings.TrimSuffix(l.URL, "/")
			}
		}
	}()
	var base string
	select {
	case base = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("ui not ready in 30s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 8<<20)
	// next returns the data of the stream's next event of one of names.
	next := func(names ...string) (string, string) {
		t.Helper()
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				event = ev
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				for _, n := range names {
					if event == n {
						return n, d
					}
				}
			}
		}
		t.Fatalf("the stream ended before its next %v event: %v", names, sc.Err())
		return "", ""
	}
	next("hello") // the stream's cursors taken: the kept delivery, the newest event

	leaseclockStopOutsideWrite(t, g.db, cmd)
	out := g.run("store", "prune", "--older-than", "0", "--yes", "-o", "json")
	var pruned struct{ Events int }
	if err := json.Unmarshal([]byte(out), &pruned); err != nil || pruned.Events != 2 {
		cmd.Process.Signal(syscall.SIGCONT)
		t.Fatalf("prune: %s (%v), want the 2 events without deliveries deleted", out, err)
	}
	second := filepath.Join(g.dir, "second.jsonl")
	news := []string{"evt_new_1", "evt_new_2", "evt_new_3"}
	evseqDump(t, second, time.Now().UTC().Format(time.RFC3339Nano), news)
	g.run("store", "import", second) // one transaction: one batch
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}

	// The three are committed together: by the time the stream sends the
	// last, it has sent the others (a reset before would send them all
	// from the log's start too).
	var sent strings.Builder
	for !strings.Contains(sent.String(), news[2]) {
		_, d := next("rows", "reset")
		sent.WriteString(d)
	}
	var ids []string
	for _, part := range strings.Split(sent.String(), `data-event-id=\"`)[1:] {
		ids = append(ids, part[:max(0, strings.Index(part, `\"`))])
	}
	for _, id := range news {
		if !strings.Contains(sent.String(), id) {
			t.Errorf("the live log never sent %s (stored after the prune with %v); it sent the events %v", id, news, ids)
		}
	}
	for _, id := range []string{"evt_pruned_1", "evt_pruned_2"} {
		if strings.Contains(sent.String(), id) {
			t.Errorf("the live log sent %s, pruned before the stream read it", id)
		}
	}
}
