package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// The standalone inspector (hookctl ui, listen --ui) reads forms under a
// shared budget (2 × web.MaxForm): two clients holding most of a web.MaxForm
// form each take it all, and a third is told 503 with Retry-After once
// it has waited for room, holding none of its form; a form over web.MaxForm
// is 413. Before, each request's ParseForm held up to web.MaxForm, for any
// number of requests.
func TestStartFormsUnderBudget(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, stop, err := web.Start(ctx, "127.0.0.1:0", web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	addr := strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/")
	head := func(n int) string {
		return fmt.Sprintf("POST /trigger HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", addr, n)
	}
	chunk := []byte(strings.Repeat("a", 64<<10))
	// Two clients send 6 MiB of an 8 MiB form and hold: the reservation
	// grows by doubling, so each holds 8 MiB of the 16 MiB budget.
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte(head(web.MaxForm)))
		for sent := 0; sent < 6<<20; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(200 * time.Millisecond) // their bytes are read and reserved
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	go func() {
		c.Write([]byte(head(web.MaxForm)))
		for sent := 0; sent < 6<<20; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("a third form while the budget is taken: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a third form while the budget is taken: %s (Retry-After %q), want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the busy answer took %s", d)
	}

	// Over web.MaxForm: 413, without reading it.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write([]byte(head(web.MaxForm * 5)))
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a form over web.MaxForm: %v %v, want 413", resp, err)
	}
}
