package listen

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
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

// TestTextLinesEscapeWhatTheSenderSent: the event type, id and reason a
// request carries (signed or not) are printed escaped on a terminal: a
// sender cannot write escape sequences (clear the screen, retitle the
// window) or a line of its own ("… verified (bond)") into listen's log,
// in a line or in the summary of a burst.
func TestTextLinesEscapeWhatTheSenderSent(t *testing.T) {
	evilType := "card.\x1b[2Jcreated\n2026-11-23 10:04:12  --> card.created [evt_x] verified (bond)"
	evilID := "id\x1b]0;pwned\x07\tx"
	var out bytes.Buffer
	s, _, _ := newTestServer(t, "", func(c *Config) { c.Log = NewLogger(&out, false) })
	body, _ := json.Marshal(map[string]string{"type": evilType, "id": evilID})
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, httptest.NewRequest("POST", "/", bytes.NewReader(body)))
	if rw.Code != 401 {
		t.Fatalf("status %d", rw.Code)
	}
	s.cfg.Log.Close()
	got := out.String()
	if strings.ContainsAny(got, "\x1b\x07\t") || strings.Count(got, "\n") != 1 ||
		!strings.Contains(got, `--> card.\x1b[2Jcreated\x0a2026-11-23 10:04:12  --> card.created [evt_x] verified (bond) [id\x1b]0;pwned\x07\x09x] rejected`) {
		t.Errorf("one escaped line wanted, got %q", got)
	}

	// A burst on a terminal: the lines left out are summed up by type.
	var term bytes.Buffer
	l := NewTerminalLogger(&term)
	for i := range 3 * coalesceLines {
		l.Log(LogLine{Time: time.Unix(1, 0), Kind: KindEvent, EventID: strconv.Itoa(i), EventType: evilType, Verified: true})
	}
	l.Close()
	if strings.ContainsAny(term.String(), "\x1b\x07") || !strings.Contains(term.String(), `more card.\x1b[2Jcreated\x0a`) {
		t.Errorf("burst summary not escaped: %q", term.String())
	}
}
