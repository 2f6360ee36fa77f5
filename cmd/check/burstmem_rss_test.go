//go:build linux

package check_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// burstPeakRSS runs `hookctl check --only survives-burst --burst n` (the
// real binary, a fresh SQLite store) against url and returns its peak
// resident set (its VmHWM, in bytes) and report.
//
// The peak is read from /proc/PID/status while check runs, not taken
// from the rusage wait returns: Linux starts a child's ru_maxrss at the
// high-water mark of the memory it was exec'd from, and Go starts
// commands from the test's own (vfork), so once this test process had
// served a large burst (TestBurstcapRSSFlatWhenAnsweredAtOnce's
// receiver) every check run here "peaked" at the test's own 365 MB.
func burstPeakRSS(t *testing.T, url string, n int, stored func(db string)) (int64, *check.Report) {
	t.Helper()
	dir := t.TempDir()
	c := exec.Command(os.Args[0], "check", url, "--provider", "bond", "--secret", bondSecret,
		"--only", check.SurvivesBurst, "--burst", strconv.Itoa(n), "--deadline", "30s", "-o", "json")
	c.Env = append(os.Environ(), "HOOKCTL_CHECK_TEST_AS_HOOKCTL=1",
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"), "HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "HOME="+dir)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	status := fmt.Sprintf("/proc/%d/status", c.Process.Pid)
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		hwm := int64(0)
		defer func() { peak <- hwm }()
		for {
			hwm = max(hwm, vmHWM(status))
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	err := c.Wait()
	close(done)
	hwm := <-peak
	if err != nil {
		t.Fatalf("--burst %d: %v\nstdout: %s\nstderr: %s", n, err, out.String(), errb.String())
	}
	if hwm == 0 {
		t.Skip("no VmHWM in " + status)
	}
	rep := &check.Report{}
	if err := json.Unmarshal(out.Bytes(), rep); err != nil {
		t.Fatalf("--burst %d: stdout is not a report: %v\n%s", n, err, out.String())
	}
	if stored != nil {
		stored(filepath.Join(dir, "hookctl.db"))
	}
	return hwm, rep
}

// vmHWM is the peak resident set in a /proc/PID/status file, in bytes
// (0 when it cannot be read: the process has exited).
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// answering is a receiver with a few workers, as most have, each taking
// a millisecond over an event (the receiver's work, not a wait for
// anything), whose every answer is body: a burst's answers come over a
// second or so, as they do from a real receiver, not all in one instant.
func answering(t *testing.T, body []byte) string {
	workers := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		workers <- struct{}{}
		defer func() { <-workers }()
		io.Copy(io.Discard, r.Body)
		time.Sleep(time.Millisecond)
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBurstmemRSSFlatInBurst: check's memory does not grow with the
// size of the burst's answers. Each probe of the burst kept its whole
// recorded answer (up to delivery.MaxResponseBody, 64 KiB) in memory until
// the burst was judged, and while it waited its turn to be recorded (one
// transaction each), so --burst 2000 against a receiver answering 64 KiB
// peaked at ~235-275 MB, over 180 MB more than the same burst answered
// "ok" (--burst 10000 would need over 1 GB): the verdict needs the counts
// and the worst probe, the report an 80-byte excerpt, and the store gets
// the answers through a spool file. What the requests in flight cost (a
// connection, buffers, goroutines: the small answers' burst) is the
// burst's own.
func TestBurstmemRSSFlatInBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("sends bursts of 2,000")
	}
	const n = 2000
	smallURL := answering(t, []byte("ok"))
	bigURL := answering(t, bytes.Repeat([]byte("x"), delivery.MaxResponseBody+1024))
	small, rep := burstPeakRSS(t, smallURL, n, nil)
	if len(rep.Checks) != 1 || rep.Checks[0].Verdict == check.Fail {
		t.Fatalf("--burst %d, small answers: want survives-burst to pass, got %+v", n, rep.Checks)
	}
	// The store has every answer as the attempt cap (64 KiB) allows,
	// read back from the spool where it waited.
	want := bytes.Repeat([]byte("x"), delivery.MaxResponseBody)
	large, rep := burstPeakRSS(t, bigURL, n, func(db string) {
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
		if whole < n || other != 0 {
			t.Errorf("the store has %d attempts with the answer's first 64 KiB and %d others, want %d or more and 0", whole, other, n)
		}
	})
	if len(rep.Checks) != 1 || rep.Checks[0].Verdict == check.Fail || !strings.HasPrefix(rep.Checks[0].Body, "xxxx") || len(rep.Checks[0].Body) > 100 {
		t.Fatalf("--burst %d, large answers: want survives-burst to pass with an excerpt of the answer, got %+v", n, rep.Checks)
	}
	t.Logf("peak RSS, --burst %d: answers of 2 bytes %d MB, of 65 KiB %d MB", n, small>>20, large>>20)
	// The answers alone are n × 64 KiB = 125 MiB.
	if grow := large - small; grow > 64<<20 {
		t.Errorf("--burst %d answered 65 KiB peaked %d MB above the same burst answered 2 bytes (%d MB): check holds the probes' answers in memory", n, grow>>20, small>>20)
	}
}
