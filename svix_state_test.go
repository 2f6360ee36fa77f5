//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestServeSvixStateSurvivesRestart: what the Svix API keeps besides
// endpoints and messages (an application deleted, an application's
// metadata and rateLimit, declared event types) is in the store: a second
// `hookctl serve` on the same store sees it while the first runs, and a
// server started again after both stopped still does. Before, it lived
// in each server's memory: after a restart the deleted application came
// back from its message and the event types were gone.
func TestServeSvixStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		testSvixStateSurvivesRestart(t, dir, filepath.Join(dir, "hookctl.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		testSvixStateSurvivesRestart(t, t.TempDir(), pgtest.URL(t))
	})
}

func testSvixStateSurvivesRestart(t *testing.T, dir, storeArg string) {
	bin := hookctlBinary(t)
	serve := func() *servedProcess {
		c := exec.Command(bin, "--store", storeArg, "serve", "--port", "0", "-o", "json")
		c.Dir = dir
		c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH")}
		return startServe(t, c)
	}

	one, two := serve(), serve()
	gone := svixWant(t, one.URL, "POST", "/api/v1/app", `{"name":"Gone","uid":"gone"}`, 201)["id"].(string)
	svixWant(t, one.URL, "POST", "/api/v1/app/gone/endpoint", `{"url":"http://127.0.0.1:1/hook"}`, 201)
	svixWant(t, one.URL, "POST", "/api/v1/app/gone/msg", `{"eventType":"a.b","payload":{}}`, 202)
	svixWant(t, one.URL, "DELETE", "/api/v1/app/gone", "", 204)
	kept := svixWant(t, one.URL, "POST", "/api/v1/app", `{"name":"Kept","uid":"kept"}`, 201)["id"].(string)
	svixWant(t, one.URL, "PATCH", "/api/v1/app/kept", `{"metadata":{"team":"billing"},"rateLimit":7}`, 200)
	svixWant(t, one.URL, "POST", "/api/v1/event-type", `{"name":"order.created","description":"An order"}`, 201)
	svixWant(t, one.URL, "POST", "/api/v1/event-type", `{"name":"order.old","description":"Old"}`, 201)
	svixWant(t, one.URL, "DELETE", "/api/v1/event-type/order.old", "", 204)

	check := func(base, when string) {
		t.Helper()
		for _, id := range []string{"gone", gone} {
			if code, m := svixCall(t, base, "GET", "/api/v1/app/"+id, ""); code != 404 {
				t.Fatalf("%s: the deleted application %s: %d %v, want 404", when, id, code, m)
			}
		}
		app := svixWant(t, base, "GET", "/api/v1/app/kept", "", 200)
		if app["id"] != kept || app["name"] != "Kept" || app["rateLimit"] != 7.0 || app["metadata"].(map[string]any)["team"] != "billing" {
			t.Fatalf("%s: the application: %v", when, app)
		}
		list := svixWant(t, base, "GET", "/api/v1/app", "", 200)
		if d := list["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != kept {
			t.Fatalf("%s: the applications: %v", when, list)
		}
		et := svixWant(t, base, "GET", "/api/v1/event-type/order.created", "", 200)
		if et["description"] != "An order" || et["archived"] != false {
			t.Fatalf("%s: the event type: %v", when, et)
		}
		if et := svixWant(t, base, "GET", "/api/v1/event-type/order.old", "", 200); et["archived"] != true {
			t.Fatalf("%s: the archived event type: %v", when, et)
		}
		ets := svixWant(t, base, "GET", "/api/v1/event-type", "", 200)
		if d := ets["data"].([]any); len(d) != 1 || d[0].(map[string]any)["name"] != "order.created" {
			t.Fatalf("%s: the event types: %v", when, ets)
		}
	}
	check(two.URL, "another server on the store")
	// Both servers create an application with one uid at once: one is
	// created, every other answer is the 409 (the store's key).
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := svixCall(t, []string{one.URL, two.URL}[i%2], "POST", "/api/v1/app", `{"name":"Race","uid":"race"}`)
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case 201:
			created++
		case 409:
		default:
			t.Fatalf("parallel create: %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("parallel creates with one uid made %d applications", created)
	}
	svixWant(t, one.URL, "DELETE", "/api/v1/app/race", "", 204)
	for _, p := range []*servedProcess{one, two} {
		if err := p.stop(syscall.SIGTERM); err != nil {
			t.Fatalf("serve: %v\n%s", err, p.stderr.String())
		}
	}
	three := serve()
	check(three.URL, "after a restart")
	// The deleted application's uid is free again.
	if id := svixWant(t, three.URL, "POST", "/api/v1/app", `{"name":"Gone again","uid":"gone"}`, 201)["id"]; id == gone {
		t.Fatalf("the deleted application came back: %v", id)
	}
}

// svixCall sends one request to a serve's Svix API with the test's key
// and decodes its JSON answer (nil for an empty body).
func svixCall(t *testing.T, base, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer testsk")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(b)) > 0 && json.Unmarshal(b, &m) != nil {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

// svixWant is svixCall that fails the test unless the status is status.
func svixWant(t *testing.T, base, method, path, body string, status int) map[string]any {
	t.Helper()
	code, m := svixCall(t, base, method, path, body)
	if code != status {
		t.Fatalf("%s %s on %s: %d %v, want %d", method, path, base, code, m, status)
	}
	return m
}
