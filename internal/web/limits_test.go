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
	// Three clients each send 6 MiB of an 8 MiB form and hold: the
	// reservation grows by doubling, so two of them hold the 16 MiB
	// budget and the third is answered 503 at once. Which one is third is
	// the server's reading order (on a loaded machine the first two may
	// not be read before the third is sent): the test waits for the
	// answer on any of them.
	type answer struct {
		i    int
		resp *http.Response
		err  error
	}
	answers := make(chan answer, 3)
	var start time.Time
	for i := range 3 {
		if i == 2 {
			time.Sleep(200 * time.Millisecond) // the first two are most likely read
			start = time.Now()
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		go func() {
			c.Write([]byte(head(web.MaxForm)))
			for sent := 0; sent < 6<<20; sent += len(chunk) {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}()
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				resp.Body.Close()
			}
			answers <- answer{i, resp, err}
		}()
	}
	a := <-answers
	if a.err != nil {
		t.Fatalf("a third form while the budget is taken: no answer on any of the three: %v", a.err)
	}
	if a.resp.StatusCode != http.StatusServiceUnavailable || a.resp.Header.Get("Retry-After") == "" {
		t.Errorf("a third form while the budget is taken: %s (Retry-After %q) on form %d, want 503 with Retry-After", a.resp.Status, a.resp.Header.Get("Retry-After"), a.i+1)
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
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a form over web.MaxForm: %v %v, want 413", resp, err)
	}
}
