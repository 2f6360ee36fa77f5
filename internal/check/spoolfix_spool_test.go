//go:build linux

package check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// lockstepRecorder records probes in a real store and tells the
// receiver how many it has recorded, so the receiver can keep the
// answers that wait for the store (answered, not yet recorded) under a
// bound. It notes the largest size of check's spool file it sees.
type lockstepRecorder struct {
	StoreRecorder
	mu       sync.Mutex
	cond     *sync.Cond
	recorded int
	spool    string // /proc/self/fd/N of the spool, once found
	spoolDir string // the directory it is in
	spoolMax int64
}

func (l *lockstepRecorder) RecordBatch(ctx context.Context, ps []ProbeRecord) error {
	err := l.StoreRecorder.RecordBatch(ctx, ps)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recorded += len(ps)
	l.cond.Broadcast()
	if l.spool == "" {
		l.spool = findSpool()
		if target, lerr := os.Readlink(l.spool); l.spool != "" && lerr == nil {
			l.spoolDir = filepath.Dir(strings.TrimSuffix(target, " (deleted)"))
		}
	}
	if l.spool != "" {
		if fi, serr := os.Stat(l.spool); serr == nil && fi.Size() > l.spoolMax {
			l.spoolMax = fi.Size()
		}
	}
	return err
}

// findSpool is the /proc path of this process's open (unlinked) check
// spool file, "" when there is none.
func findSpool() string {
	fds, _ := filepath.Glob("/proc/self/fd/*")
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.Contains(filepath.Base(l), "hookctl-check-") {
			return fd
		}
	}
	return ""
}

// answerFor is the receiver's 64 KiB answer to a request body: its
// SHA-256 in hex, repeated (each answer is distinct, and says which
// request it answers).
func answerFor(body []byte) []byte {
	sum := sha256.Sum256(body)
	return bytes.Repeat([]byte(hex.EncodeToString(sum[:])), delivery.MaxResponseBody/64)
}

// TestSpoolfixSpoolBoundedByWaiting: the burst's spool file, where
// answers wait for the store, is as large as the most answers that
// waited at once, not as the whole burst's answers. Every spooled answer
// was appended to it, so --burst 10000 answered 64 KiB grew it to
// 655 MB (RAM, where /tmp is a tmpfs) however fast the store kept up.
// Here the receiver never has more than `waiting` answers out that the
// store has not recorded, and the spool must stay within that many
// answers' room; the store must have each probe's own answer whole
// (the spool's room is reused: no answer may land in another's).
func TestSpoolfixSpoolBoundedByWaiting(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a burst of 600 answered 64 KiB")
	}
	const n, waiting = 600, 8
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("card.created", "bond")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &lockstepRecorder{StoreRecorder: StoreRecorder{Store: st}}
	rec.cond = sync.NewCond(&rec.mu)
	var arrived atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The j-th request is answered once the store has recorded
		// j-waiting probes: at most `waiting` answers wait for it.
		j := int(arrived.Add(1))
		rec.mu.Lock()
		for rec.recorded < j-waiting {
			rec.cond.Wait()
		}
		rec.mu.Unlock()
		answer := answerFor(body)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.Write(answer)
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "bond", Secret: "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB",
		Provider: "bond", Catalog: cat, Event: et, Burst: n, Deadline: 30 * time.Second,
		Selected: map[string]bool{SurvivesBurst: true}, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].Verdict == Fail {
		t.Fatalf("want survives-burst to pass, got %+v", rep.Checks)
	}
	// Each attempt has its own probe's answer, whole.
	payloads := map[string][]byte{}
	events := map[string]string{}
	var attempts []*store.Attempt
	if err := st.Export(t.Context(), func(r store.Record) error {
		switch {
		case r.Event != nil:
			payloads[r.Event.ID] = r.Event.Payload
		case r.Delivery != nil:
			events[r.Delivery.ID] = r.Delivery.EventID
		case r.Attempt != nil:
			attempts = append(attempts, r.Attempt)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wrong := 0
	for _, a := range attempts {
		if !bytes.Equal(a.ResponseBody, answerFor(payloads[events[a.DeliveryID]])) {
			wrong++
		}
	}
	if len(attempts) < n || wrong > 0 {
		t.Errorf("the store has %d attempts, %d of them without their own probe's answer; want %d or more, all with theirs", len(attempts), wrong, n)
	}
	rec.mu.Lock()
	size := rec.spoolMax
	rec.mu.Unlock()
	t.Logf("spool file: %d KiB at most, for %d answers of 64 KiB with at most %d waiting for the store", size>>10, len(attempts), waiting)
	if size == 0 {
		t.Fatalf("no spool file seen: the answers did not wait in it")
	}
	if bound := int64(waiting) * spoolSlot; size > bound {
		t.Errorf("the spool grew to %d KiB, over the room of the %d answers that could wait at once (%d KiB): it grows with the burst, not with what waits", size>>10, waiting, bound>>10)
	}
}

// TestSpoolfixSpoolDirFallback: a burst whose SpoolDir cannot take the
// spool (gone, read-only) spools in the temporary directory instead, and
// every answer reaches the store.
func TestSpoolfixSpoolDirFallback(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("card.created", "bond")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &lockstepRecorder{StoreRecorder: StoreRecorder{Store: st}}
	rec.cond = sync.NewCond(&rec.mu)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write(answerFor(body))
	}))
	defer srv.Close()
	const n = 20
	if _, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "bond", Secret: "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB",
		Provider: "bond", Catalog: cat, Event: et, Burst: n, Deadline: 30 * time.Second,
		Selected: map[string]bool{SurvivesBurst: true}, Recorder: rec, SpoolDir: filepath.Join(tmp, "gone")}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.spoolDir != tmp || rec.recorded < n {
		t.Errorf("spool in %q (want the temporary directory %q), %d probes recorded (want %d or more)", rec.spoolDir, tmp, rec.recorded, n)
	}
}
