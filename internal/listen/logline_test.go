package listen

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowWriter takes a while for each write, as a busy terminal does.
type slowWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *slowWriter) Write(b []byte) (int, error) {
	time.Sleep(30 * time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func (w *slowWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// Flush returns once the lines logged before it are written out (the
// demo prints its next step after the listener's lines of this one).
func TestLoggerFlushWritesQueuedLines(t *testing.T) {
	w := &slowWriter{}
	l := NewLogger(w, true)
	defer l.Close()
	for i, id := range []string{"evt_1", "evt_2", "evt_3"} {
		l.Log(LogLine{Time: time.Unix(1, 0), Kind: KindRejected, EventID: id, Reason: "bad"})
		l.Flush()
		if got := strings.Count(w.String(), "\n"); got != i+1 || !strings.Contains(w.String(), id) {
			t.Fatalf("after Flush %d: %d lines written (%q), want %d with %s", i+1, got, w.String(), i+1, id)
		}
	}
	l.Flush() // nothing queued: returns at once
	l.Close()
	l.Flush() // stopped: returns at once
}
