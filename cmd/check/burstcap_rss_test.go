//go:build linux

package check_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// atOnce is a receiver that holds every probe of a burst of n until all n
// have come (or wait has passed), then answers them all at the same
// instant with body: the answers of the whole burst arrive together, the
// worst case for what check holds while it reads them. The first
// request (accepts-valid's probe, sent alone) is answered at once.
func atOnce(t *testing.T, body []byte, n int, wait time.Duration) string {
	var (
		mu      sync.Mutex
		first   = true
		waiting int
		release = make(chan struct{})
		timer   *time.Timer
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		alone := first
		first = false
		if !alone {
			waiting++
			switch waiting {
			case 1:
				// Whatever happens to the burst, answer within wait.
				timer = time.AfterFunc(wait, func() {
					mu.Lock()
					defer mu.Unlock()
					if waiting < n {
						waiting = n
						close(release)
					}
				})
			case n:
				timer.Stop()
				close(release)
			}
		}
		mu.Unlock()
		if !alone {
			<-release
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	srv.Config.MaxHeaderBytes = 1 << 16
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBurstcapRSSFlatWhenAnsweredAtOnce: check's peak memory does not
// grow with its answers' size when a burst's answers all come at once.
// Each probe read its answer (up to delivery.MaxResponseBody, 64 KiB)
// into memory before it went to the spool file, so the whole burst's
// answers were in memory together: --burst 10000 answered 65 KiB at once
// peaked 0.5-1 GB above the same burst answered "ok" (~250-310 MB; the
// answers alone are 625 MiB). Now an answer goes from the connection to
// its spool slot through a small buffer (+17 MB here); what the requests
// in flight cost (goroutines, connections: the small answers' burst) is
// the burst's own. It takes 10,000 connections on each side for ~30 s.
func TestBurstcapRSSFlatWhenAnsweredAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bursts of 10,000")
	}
	const n = 10000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Max < n+500 {
		// The receiver (this process) and check each take n connections
		// (Go raises the soft limit to the hard one).
		t.Skipf("needs %d open files, the hard limit is %d", n+500, lim.Max)
	}
	small, rep := burstPeakRSS(t, atOnce(t, []byte("ok"), n, 60*time.Second), n, nil)
	if len(rep.Checks) != 1 || rep.Checks[0].Verdict == check.Fail {
		t.Fatalf("--burst %d, small answers: want survives-burst not to fail, got %+v", n, rep.Checks)
	}
	want := bytes.Repeat([]byte("x"), delivery.MaxResponseBody)
	large, rep := burstPeakRSS(t, atOnce(t, bytes.Repeat([]byte("x"), delivery.MaxResponseBody+1024), n, 60*time.Second), n, func(db string) {
		st, err := sqlite.Open(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		whole, other := 0, 0
		if err := st.Export(t.Context(), func(r store.Record) error {
			if r.Attempt != nil {
				if bytes.Equal(r.Attempt.ResponseBody, want) {
					whole++
				} else {
					other++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// (the burst, and the valid event sent alone first)
		if whole != n+1 || other != 0 {
			t.Errorf("the store has %d attempts with the answer's first 64 KiB and %d others, want %d and 0", whole, other, n+1)
		}
	})
	if len(rep.Checks) != 1 || rep.Checks[0].Verdict == check.Fail || !strings.HasPrefix(rep.Checks[0].Body, "xxxx") || len(rep.Checks[0].Body) > 100 {
		t.Fatalf("--burst %d, large answers: want survives-burst not to fail, with an excerpt of the answer, got %+v", n, rep.Checks)
	}
	t.Logf("peak RSS, --burst %d answered at once: answers of 2 bytes %d MB, of 65 KiB %d MB (%s; %s)", n, small>>20, large>>20,
		rep.Checks[0].Verdict, rep.Checks[0].Detail)
	// The answers alone are n × 64 KiB = 625 MiB.
	if grow := large - small; grow > 128<<20 {
		t.Errorf("--burst %d answered 65 KiB at once peaked %d MB above the same burst answered 2 bytes (%d MB): check holds the probes' answers in memory", n, grow>>20, small>>20)
	}
}
