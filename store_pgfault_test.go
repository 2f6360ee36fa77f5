package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// cutProxy forwards TCP connections to a PostgreSQL server until cut: then
// every connection through it ends and new ones are refused, as when the
// server goes away.
type cutProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	armed bool // cut in the middle of what a client sends next
}

// newCutProxy proxies the server of storeURL and returns the proxy and
// storeURL pointing at it.
func newCutProxy(t *testing.T, storeURL string) (*cutProxy, string) {
	t.Helper()
	u, err := url.Parse(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() {
				// Armed, the connection is cut once the client has sent
				// 16 KiB more: in the middle of a big write (COPY).
				buf := make([]byte, 4<<10)
				sent := 0
				for {
					n, err := c.Read(buf)
					p.mu.Lock()
					armed := p.armed
					p.mu.Unlock()
					if armed {
						if sent += n; sent > 16<<10 {
							p.cut()
							return
						}
					}
					if n > 0 {
						if _, werr := s.Write(buf[:n]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				s.Close()
			}()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	u.Host = ln.Addr().String()
	return p, u.String()
}

// cutMidQuery cuts the proxy in the middle of the next big thing a client
// sends (an import batch's COPY).
func (p *cutProxy) cutMidQuery() {
	p.mu.Lock()
	p.armed = true
	p.mu.Unlock()
}

func (p *cutProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// The PostgreSQL server going away in the middle of `store export` or
// `store import` is an environment problem: exit 3 with the hint to check
// the server, like a server that cannot be reached at the start. Before,
// the connection ending under a query was exit 1 with a bare "export:
// unexpected EOF" or "import: conn closed".
func TestStoreExportImportWhenPostgresGoesAway(t *testing.T) {
	t.Parallel()
	src := pgtest.URL(t)
	c := pgEnv(t, src)
	// Enough history that export outruns a pipe nobody reads.
	c.hookctl(1, "trigger", "card.created", "--count", "3000", "--url", "http://127.0.0.1:1/", "--no-retry")
	dump := filepath.Join(c.dir, "dump.jsonl")
	if err := os.WriteFile(dump, c.hookctl(0, "store", "export"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantGone := func(what string, err error, stderr string) {
		t.Helper()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != 3 || !strings.Contains(stderr, "unreachable") ||
			!strings.Contains(stderr, "hookctl: hint: check that the PostgreSQL server is running and reachable") ||
			strings.Contains(stderr, ":hookctl@") {
			t.Errorf("%s with the server gone: exit %d, want 3 with a hint\n%s", what, code, stderr)
		}
	}

	// export: the first record read, then the server goes.
	proxy, via := newCutProxy(t, src)
	var errb bytes.Buffer
	exp := c.cmd("hookctl", "--store", via, "store", "export")
	exp.Stderr = &errb
	out, err := exp.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("export: %v\n%s", err, errb.String())
	}
	proxy.cut()
	io.Copy(io.Discard, r)
	wantGone("store export", exp.Wait(), errb.String())

	// import: once its first batch is in, the server goes while the next
	// one is being written.
	dst := pgtest.URL(t)
	proxy, via = newCutProxy(t, dst)
	errb.Reset()
	imp := c.cmd("hookctl", "--store", via, "store", "import", "-")
	imp.Stderr = &errb
	in, err := imp.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	lines, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.SplitAfter(string(lines), "\n")
	go func() {
		defer in.Close()
		for i, l := range all {
			if _, err := io.WriteString(in, l); err != nil {
				return
			}
			if i == 2500 {
				waitForEvents(t, dst, 1000)
				proxy.cutMidQuery()
			}
		}
	}()
	wantGone("store import", imp.Wait(), errb.String())
}

// waitForEvents waits until the store at u holds at least n events.
func waitForEvents(t *testing.T, u string, n int) {
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Error(err)
		return
	}
	defer db.Close()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var got int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&got); err == nil && got >= n {
			return
		}
	}
	t.Errorf("the store never held %d events", n)
}
