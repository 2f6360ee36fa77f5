package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// huntstoreNoHeader is a dump without its header line (exported_at and
// store differ between two exports of the same history).
func huntstoreNoHeader(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// TestHuntstoreExportKeepsIDBytes: listen keeps an event's id (its
// webhook-id header), type (the body's) and Content-Type as received, and
// SQLite keeps their bytes, also those that are not UTF-8 (a Latin-1
// id_\xe9). store export wrote such text as JSON strings, which turned
// each such byte into U+FFFD: two events id_\xe9 and id_\xea both became
// "id_\ufffd", so importing the dump skipped the second as "already
// present" and hung its delivery on the first event (an event lost, and
// events show id_\xe9 found nothing in the restored store). Now the
// export writes such text "\u0001base64:" and its bytes, as it writes
// header values, and import reads them back byte for byte: a SQLite store
// restored from its export exports the same bytes and finds both events
// by their ids; PostgreSQL keeps them in its \xNN form and finds them by
// the ids too.
func TestHuntstoreExportKeepsIDBytes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(app.Close)
	c := newCrashEnv(t)
	const secret = "whsec_dGVzdHNlY3JldA=="
	port := mustFreePort(t)
	stop := startListen(t, c, port, "--secret", secret, "--forward", app.URL)
	url := "http://127.0.0.1:" + port + "/webhooks"
	ids := []string{"id_\xe9", "id_\xea"}
	for i, id := range ids {
		body := `{"type":"t` + id[3:] + `","n":` + string(rune('1'+i)) + `}`
		if code := huntstoreSend(t, url, secret, id, body); code != http.StatusOK {
			t.Fatalf("listen answered %d to event %q", code, id)
		}
	}
	stop()
	for _, id := range ids {
		if show := string(c.hookctl(0, "events", "show", id)); !strings.Contains(show, `Event id_\x`+bytesHex(id[3])) {
			t.Fatalf("events show %q in listen's store:\n%s", id, show)
		}
	}
	dump := c.hookctl(0, "store", "export")
	if bytes.Contains(dump, []byte(`\ufffd`)) || bytes.Contains(dump, []byte("\uFFFD")) {
		t.Errorf("the export wrote U+FFFD for bytes it had:\n%s", dump)
	}

	stores := map[string]func(c *crashEnv) string{
		"sqlite":   func(c *crashEnv) string { return c.dir + "/restored.db" },
		"postgres": func(*crashEnv) string { return pgtest.URL(t) },
	}
	for _, to := range []string{"sqlite", "postgres"} {
		if to == "postgres" && os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
			t.Log("postgres: needs HOOKCTL_TEST_POSTGRES")
			continue
		}
		d := newCrashEnv(t)
		d.env = append(d.env, "HOOKCTL_STORE="+stores[to](d))
		imp := d.cmd("hookctl", "store", "import", "-")
		imp.Stdin = bytes.NewReader(dump)
		out, err := imp.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: store import: %v: %s", to, err, out)
		}
		if !strings.Contains(string(out), " 2 events, 2 deliveries, 2 attempts") || !strings.Contains(string(out), "(0 records already present") {
			t.Errorf("%s: store import: %s, want 2 events, 2 deliveries, 2 attempts imported, none already present", to, out)
		}
		for _, id := range ids {
			show := string(d.hookctl(0, "events", "show", id))
			want := `Event ` + strings.Replace(id, id[3:], `\x`+bytesHex(id[3]), 1)
			if !strings.Contains(show, want) || !strings.Contains(show, "1 succeeded") {
				t.Errorf("%s: events show %q: want %q with its delivery (1 succeeded):\n%s", to, id, want, show)
			}
		}
		if to == "sqlite" {
			if again := d.hookctl(0, "store", "export"); !bytes.Equal(huntstoreNoHeader(again), huntstoreNoHeader(dump)) {
				t.Errorf("the restored SQLite store exports other bytes:\n%s\nwas\n%s", again, dump)
			}
		}
	}
}

// huntstoreSend posts body signed (Standard Webhooks) with secret and id
// to url and returns the status listen answered.
func huntstoreSend(t *testing.T, url, secret, id, body string) int {
	t.Helper()
	sc, _ := signature.Lookup("standard")
	h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, ID: id, Timestamp: time.Now(), Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func bytesHex(b byte) string {
	const hex = "0123456789abcdef"
	return string([]byte{hex[b>>4], hex[b&0xf]})
}
