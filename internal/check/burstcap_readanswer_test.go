package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// pattern is n distinct-looking bytes (a slot's bytes landing elsewhere
// in it would show).
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// spooledBytes reads sp's answer back from g's spool.
func spooledBytes(t *testing.T, g *groupRecorder, sp spooled) []byte {
	t.Helper()
	b := make([]byte, sp.size)
	if _, err := g.spool.ReadAt(b, sp.slot*spoolSlot); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBurstcapReadAnswerSizes: readAnswer keeps an answer shorter than
// spoolMin whole in memory and puts a longer one in a spool slot whole
// (up to spoolSlot), keeping its first excerptBytes, with or without a
// Content-Length.
func TestBurstcapReadAnswerSizes(t *testing.T) {
	g := &groupRecorder{dir: t.TempDir()}
	defer g.close()
	for _, n := range []int{0, 1, excerptBytes, spoolMin - 1, spoolMin, spoolMin + 1, 3*readChunk + 17, spoolSlot - 1, spoolSlot, spoolSlot + 5000} {
		for _, size := range []int64{int64(n), -1} {
			t.Run(fmt.Sprintf("%d/size%d", n, size), func(t *testing.T) {
				body := pattern(n)
				want := body[:min(n, spoolSlot)]
				kept, sp, err := g.readAnswer(bytes.NewReader(body), size)
				if err != nil || sp.lost != nil {
					t.Fatalf("err %v, lost %v", err, sp.lost)
				}
				if len(want) < spoolMin {
					if sp.size != 0 || !bytes.Equal(kept, want) {
						t.Fatalf("spooled %d bytes, kept %d; want the %d in memory", sp.size, len(kept), len(want))
					}
					return
				}
				if sp.size != len(want) || !bytes.Equal(kept, want[:excerptBytes]) {
					t.Fatalf("spooled %d bytes, kept %d; want %d spooled and the first %d kept", sp.size, len(kept), len(want), excerptBytes)
				}
				if got := spooledBytes(t, g, sp); !bytes.Equal(got, want) {
					t.Fatalf("the spool's slot does not hold the answer")
				}
				g.free = append(g.free, sp.slot) // read back, as write does
			})
		}
	}
}

// cutReader gives body, then err.
type cutReader struct {
	r   io.Reader
	err error
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		err = c.err
	}
	return n, err
}

// TestBurstcapReadAnswerCutShort: an answer whose connection fails
// before its end keeps what came, in memory or in the spool, with the
// read's error (the attempt's "cut short").
func TestBurstcapReadAnswerCutShort(t *testing.T) {
	g := &groupRecorder{dir: t.TempDir()}
	defer g.close()
	for _, n := range []int{1000, 20000} {
		body := pattern(n)
		kept, sp, err := g.readAnswer(&cutReader{bytes.NewReader(body), io.ErrUnexpectedEOF}, spoolSlot)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%d bytes then cut: err %v, want io.ErrUnexpectedEOF", n, err)
		}
		got := kept
		if sp.size > 0 {
			got = spooledBytes(t, g, sp)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("%d bytes then cut: kept %d bytes, spooled %d; want the %d that came", n, len(kept), sp.size, n)
		}
	}
}

// TestBurstcapReadAnswerSpoolFails: when the spool cannot be written,
// the answer is read into memory whole (what was written of it read
// back), and no later answer tries the spool.
func TestBurstcapReadAnswerSpoolFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(path) // read-only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	g := &groupRecorder{spool: ro}
	for range 2 {
		body := pattern(spoolSlot)
		kept, sp, err := g.readAnswer(bytes.NewReader(body), -1)
		if err != nil || sp.lost != nil || sp.size != 0 || !bytes.Equal(kept, body) {
			t.Fatalf("err %v, lost %v, spooled %d, kept %d bytes: want the %d bytes in memory", err, sp.lost, sp.size, len(kept), len(body))
		}
		if g.spoolErr == nil {
			t.Fatal("the spool's failure was not noted")
		}
	}
	// Cut short on its way to the spool: in memory, with the cut.
	g = &groupRecorder{spool: ro}
	body := pattern(3*readChunk + 100)
	kept, sp, err := g.readAnswer(&cutReader{bytes.NewReader(body), io.ErrUnexpectedEOF}, spoolSlot)
	if !errors.Is(err, io.ErrUnexpectedEOF) || sp.size != 0 || !bytes.Equal(kept, body) {
		t.Fatalf("cut short: err %v, spooled %d, kept %d bytes; want io.ErrUnexpectedEOF and the %d bytes in memory", err, sp.size, len(kept), len(body))
	}
}

// TestBurstcapCutShortLargeAnswerRecorded: a probe whose 64 KiB answer
// (Content-Length) stops after 20 KiB is recorded with the 20 KiB that
// came (through the spool) and says the answer was cut short.
func TestBurstcapCutShortLargeAnswerRecorded(t *testing.T) {
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
	sent := pattern(20000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", spoolSlot)
		bw.Write(sent)
		bw.Flush()
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "bond", Secret: "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB",
		Provider: "bond", Catalog: cat, Event: et, Burst: 3, Deadline: 30 * time.Second,
		Selected: map[string]bool{SurvivesBurst: true}, Recorder: StoreRecorder{Store: st}, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].Verdict != Fail || !strings.Contains(rep.Checks[0].Detail, "3 got an answer cut short") {
		t.Errorf("want survives-burst to fail with 3 answers cut short, got %+v", rep.Checks)
	}
	n := 0
	if err := st.Export(t.Context(), func(r store.Record) error {
		if a := r.Attempt; a != nil {
			n++
			if !bytes.Equal(a.ResponseBody, sent) || !strings.Contains(a.Error, "before the end of its answer") {
				t.Errorf("attempt recorded with %d bytes of answer and error %q; want the %d that came and the cut", len(a.ResponseBody), a.Error, len(sent))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 4 { // the valid event alone, then the burst
		t.Errorf("%d attempts recorded, want 4", n)
	}
}
