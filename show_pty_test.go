//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShowBodyAndCurlOnTerminal: deliveries show --body and --curl, run on
// a real terminal, never write a C1 control (U+009B, CSI, which drives
// some terminals) from a recorded body: --body escapes it and ends the
// line; through a pipe --body is the bytes as sent. --curl on a terminal
// carries no raw control either.
func TestShowBodyAndCurlOnTerminal(t *testing.T) {
	e := newPTYEnv(t)
	body := "{\"name\":\"a\u009bb\"}"
	if err := os.WriteFile(filepath.Join(e.dir, "b.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer app.Close()
	e.plain("trigger", "card.created", "--url", app.URL+"/hooks", "--no-retry", "--data", "@b.json")
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &list); err != nil || len(list) != 1 {
		t.Fatalf("deliveries list: %v %v", list, err)
	}
	id := list[0].ID
	if got := e.plain("deliveries", "show", id, "--body"); got != body {
		t.Fatalf("piped --body %q, want the bytes sent %q", got, body)
	}
	res := e.pty(nil, "deliveries", "show", id, "--body")
	if res.code != 0 || strings.Contains(res.out, "\u009b") || !strings.Contains(res.out, `a\u009bb`) || !strings.HasSuffix(res.out, "\n") {
		t.Errorf("--body on a terminal: exit %d %q, want the C1 control escaped and a final newline", res.code, res.out)
	}
	res = e.pty(nil, "deliveries", "show", id, "--curl")
	if res.code != 0 || strings.Contains(res.out, "\u009b") || !strings.Contains(res.out, "curl -X POST") {
		t.Errorf("--curl on a terminal: exit %d %q, want a curl command with no raw control", res.code, res.out)
	}
}
