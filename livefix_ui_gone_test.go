//go:build !windows

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUILiveSaysStoreFileGone: the live log of `hookctl ui` and of
// `listen --ui` whose SQLite file is deleted says so on its stream (an
// event: store naming the file, to restart once a store is there),
// instead of following on, "live", a deleted file nothing is written to
// any more (deliveries tail stops there; a new store at that path is
// another file). Fails on the old code: the stream said nothing.
func TestUILiveSaysStoreFileGone(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"ui":     {"ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json"},
		"listen": {"listen", "--port", "0", "--ui", "127.0.0.1:0", "-o", "json"},
	} {
		t.Run(name, func(t *testing.T) {
			g := newGhostEnv(t)
			g.run("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created")
			cmd := g.cmd(args...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			ready := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					var l struct{ Kind, URL, UI string }
					if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
						if l.UI != "" {
							l.URL = l.UI
						}
						ready <- strings.TrimSuffix(l.URL, "/")
					}
				}
			}()
			var base string
			select {
			case base = <-ready:
			case <-time.After(30 * time.Second):
				t.Fatal("not ready in 30s")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 8<<20)
			next := func(name string) string {
				t.Helper()
				event := ""
				for sc.Scan() {
					line := sc.Text()
					if ev, ok := strings.CutPrefix(line, "event: "); ok {
						event = ev
					}
					if d, ok := strings.CutPrefix(line, "data: "); ok && event == name {
						return d
					}
				}
				t.Fatalf("the stream ended before its %s event: %v", name, sc.Err())
				return ""
			}
			next("hello")
			g.removeStore()
			var n struct {
				Down        bool
				Error, Text string
			}
			if err := json.Unmarshal([]byte(next("store")), &n); err != nil {
				t.Fatal(err)
			}
			if !n.Down || !strings.Contains(n.Error, g.db+": the file is gone") || !strings.Contains(n.Text, "restart hookctl") {
				t.Errorf("the deleted store said %+v", n)
			}
		})
	}
}
