//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestUIBodyNotUTF8: `printf '{"a":"\xff"}' > b.json; hookctl trigger
// card.created --data @b.json`, then the delivery's page in `hookctl ui`:
// the page is valid UTF-8, its Pretty view shows the byte as \xff, and it
// opens on Hex saying why. Before, the raw byte was in the page (a
// browser shows U+FFFD) and the note said only "binary body".
func TestUIBodyNotUTF8(t *testing.T) {
	g := newGhostEnv(t)
	g.run("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created")
	if err := os.WriteFile(filepath.Join(g.dir, "b.json"), []byte("{\"a\":\"\xff\"}"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.cmd("trigger", "card.created", "--data", "@b.json", "--no-retry").Run() // the receiver is down: exit 1, the delivery is stored
	var list []struct{ ID string }
	if err := json.Unmarshal([]byte(g.run("deliveries", "list", "-o", "json")), &list); err != nil || len(list) != 1 {
		t.Fatalf("deliveries list: %v %+v", err, list)
	}
	cmd := g.cmd("ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json")
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
	resp, err := http.Get(base + "/deliveries/" + list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != 200 {
		t.Fatalf("GET the delivery's page: %d", resp.StatusCode)
	}
	if !utf8.ValidString(page) {
		t.Errorf("the page is not valid UTF-8")
	}
	if !strings.Contains(page, `&#34;a&#34;: &#34;\xff&#34;`) {
		t.Errorf("the Pretty view does not show the byte as \\xff")
	}
	if !strings.Contains(page, `data-tab="hex" aria-selected="true"`) || !strings.Contains(page, "not valid UTF-8 (byte 0xff at offset 6)") {
		t.Errorf("the page does not open on Hex saying why")
	}
}
