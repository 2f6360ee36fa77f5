package delivery

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

type lockedBuf struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuf) get() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// A buffered reporter writes many lines in one write, and never holds a
// line longer than Buffer.
func TestReporterBuffered(t *testing.T) {
	t.Parallel()
	w := &lockedBuf{}
	// Long enough that a loaded machine does not flush between the ten
	// lines (50 ms could: then two writes, or a write before the check).
	r := &Reporter{W: w, Buffer: 500 * time.Millisecond}
	ev := &store.Event{ID: "evt_1", Type: "card.created", Provider: "standard"}
	for range 10 {
		r.Event(ev, 1)
	}
	if s, _ := w.get(); s != "" {
		t.Fatalf("written before the flush interval: %q", s)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, n := w.get()
		if strings.Count(s, "card.created") == 10 {
			if n != 1 {
				t.Fatalf("%d writes for 10 lines, want 1", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lines never flushed: %q", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.Event(ev, 2)
	r.Flush()
	if s, n := w.get(); !strings.Contains(s, "2 deliveries") || n != 2 {
		t.Fatalf("after Flush: %d writes, %q", n, s)
	}
	var nilRep *Reporter
	nilRep.Flush()

	// Unbuffered: one write per line, at once.
	w2 := &lockedBuf{}
	r2 := &Reporter{W: w2}
	r2.Event(ev, 1)
	if s, n := w2.get(); n != 1 || !strings.Contains(s, "evt_1") {
		t.Fatalf("unbuffered: %d writes, %q", n, s)
	}
}

// A receiver's refusal reason reaches the log: trigger through listen with
// a wrong secret shows why listen said 401 (issue 20 item 11).
func TestDecideKeepsTheReceiversReason(t *testing.T) {
	d := &store.Delivery{MaxAttempts: 1, AttemptCount: 1}
	a := &store.Attempt{Number: 1, ResponseStatus: 401, ResponseBody: []byte("invalid signature: no secret matches\nmore")}
	u, _ := Decide(d, "standard", a, nil, time.Now(), nil)
	if u.LastError != "HTTP 401 Unauthorized: invalid signature: no secret matches" {
		t.Errorf("LastError = %q", u.LastError)
	}
	a = &store.Attempt{Number: 1, ResponseStatus: 502, ResponseBody: []byte("<html><body>Bad gateway</body></html>")}
	u, _ = Decide(d, "standard", a, nil, time.Now(), nil)
	if u.LastError != "HTTP 502 Bad Gateway" {
		t.Errorf("HTML body: LastError = %q", u.LastError)
	}
}
