//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// TestUIStoreFileGone: the inspector (`hookctl ui`) whose SQLite file was
// deleted took its page's actions (here a new subscription) into the
// deleted file, redirected to the result as if it were kept, and lost
// them with the process. Now the action fails with a page naming the
// file, and nothing is acknowledged.
//
// The same for `listen --ui`, whose inspector shares listen's store (not
// guarded, to keep listen's own path free of the check): the inspector
// itself checks the file before each action.
func TestUIStoreFileGone(t *testing.T) {
	for name, args := range map[string][]string{
		"ui":     {"ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json"},
		"listen": {"listen", "--port", "0", "--ui", "127.0.0.1:0", "-o", "json"},
	} {
		t.Run(name, func(t *testing.T) { testUIStoreFileGone(t, args) })
	}
}

func testUIStoreFileGone(t *testing.T, args []string) {
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
				if l.UI != "" { // listen's ready line: the inspector's URL
					l.URL = l.UI
				}
				ready <- l.URL
			}
		}
	}()
	var base string
	select {
	case base = <-ready:
		base = strings.TrimSuffix(base, "/")
	case <-time.After(30 * time.Second):
		t.Fatal("ui not ready")
	}
	resp, err := http.Get(base + "/subscriptions")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the subscriptions page:\n%s", page)
	}
	subscribe := func() (int, string) {
		t.Helper()
		form := url.Values{"_csrf": {string(m[1])}, "url": {"http://127.0.0.1:1/new"}, "events": {"card.created"}, "provider": {"bond"}}
		req, _ := http.NewRequest("POST", base+"/subscriptions", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := subscribe(); code != http.StatusSeeOther {
		t.Fatalf("subscribe with the store in place: %d %s", code, body)
	}
	g.removeStore()
	code, body := subscribe()
	if code/100 == 2 || code/100 == 3 || !strings.Contains(body, g.db+": the file is gone") {
		t.Fatalf("subscribe once the store file is deleted: %d; want a failure naming the file, not an acknowledged write:\n%s", code, body)
	}
}
