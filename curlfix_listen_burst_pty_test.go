//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// Under a burst on a 60-column terminal, listen's "… N more" line fits
// the terminal as its event and forward lines do: three long event
// types and two statuses made it some 150 columns, wrapped over three
// rows. Fitted, it lists fewer types, the one left cut by its end; the
// count and the statuses stay whole.
func TestCurlfixListenBurstSummaryFitsTerminal(t *testing.T) {
	e := newPTYEnv(t)
	var n atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer app.Close()
	port := mustFreePort(t)
	secret := strings.TrimSpace(e.plain("listen", "--port", port, "--print-secret"))

	const cols = 60
	c := e.command([]string{"NO_COLOR=1"}, "listen", "--port", port, "--forward", app.URL)
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out syncbuf.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&out, f) // ends with EIO when the child exits
		close(copied)
	}()
	exited := false
	defer func() {
		if !exited {
			c.Process.Kill()
			c.Wait()
		}
	}()
	base := "http://127.0.0.1:" + port
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "Ready!"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("listen did not start:\n%s", out.String())
		}
	}
	sc, _ := signature.Lookup("standard")
	types := []string{"customer.subscription.trial_will_end", "invoice.payment_action_required", "payment_intent.amount_capturable_updated"}
	// Sent 10 at a time: a burst even on a loaded machine (the log shows
	// 8 event lines a second, the rest go into the summary).
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for g := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < 300; i += 10 {
				body := []byte(`{"type":"` + types[i%3] + `"}`)
				h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, ID: fmt.Sprintf("msg_curlfix_%d", i), Timestamp: time.Now(), Body: body})
				if err != nil {
					errs <- err
					return
				}
				req, _ := http.NewRequest("POST", base+"/", bytes.NewReader(body))
				req.Header = h
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c.Process.Signal(syscall.SIGINT)
	c.Wait()
	exited = true
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
		t.Fatal("pty output did not end")
	}
	got := strings.ReplaceAll(out.String(), "\r\n", "\n")
	more := regexp.MustCompile(`^… [\d,]+ more \S.*(, all \d{3}|; [\d,]+ × \d{3}(, [\d,]+ × \d{3})*)$`)
	var summaries []string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "… ") {
			summaries = append(summaries, l)
			if !more.MatchString(l) {
				t.Errorf("a summary line without its count or its statuses whole: %q", l)
			}
		}
	}
	if len(summaries) == 0 {
		t.Fatalf("no '… N more' line:\n%s", tail(got))
	}
	linesFit(t, summaries, cols)
}
