package check_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/signature"
)

// TestCheckfix2PythonExampleKeysOnBondFields: the Python example (Bond)
// knows an event by its name and occurred_at, what Bond's requests
// carry, not by the Idempotency-Key header hookctl adds and Bond does not
// send. The same event delivered with that header, then without it (as
// Bond sends it), is processed once. Before, the example keyed on the
// header when present and on a hash of the body otherwise, so the two
// deliveries were two keys and the event was processed twice (and its
// docstring promised de-duplication by a header Bond never sends).
func TestCheckfix2PythonExampleKeysOnBondFields(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIP: python3 not found: the Python example receiver is not checked")
	}
	log := filepath.Join(t.TempDir(), "processed.log")
	url := startExample(t, filepath.Join(repoRoot(t), "examples", "receivers", "python"),
		[]string{"WEBHOOK_SECRET=" + bondSecret, "EVENTS_LOG=" + log}, py, "receiver.py")
	sch, err := signature.Lookup("bond")
	if err != nil {
		t.Fatal(err)
	}
	post := func(body, idempotencyKey string) string {
		t.Helper()
		h, err := sch.Sign(signature.SignInput{Secrets: []string{bondSecret}, Timestamp: time.Now(), Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest("POST", url, bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		if idempotencyKey != "" {
			req.Header.Set("Idempotency-Key", idempotencyKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("answer %d: %s", resp.StatusCode, b)
		}
		return string(b)
	}
	const card = `{"event": "card.created", "card": {"card_id": "6f1c1a52-5d3e-4b8e-9a47-2f0b1f5c2a11", "last_four": "4242", "status": "Active"}, "occurred_at": "2026-12-05T21:00:00.000000+00:00"}`
	if a := post(card, "hookctl-added-key"); gjson.Get(a, "duplicate").Bool() {
		t.Fatalf("first delivery taken as a duplicate: %s", a)
	}
	// The retry, as Bond sends it: the same body, no Idempotency-Key.
	if a := post(card, ""); !gjson.Get(a, "duplicate").Bool() {
		t.Errorf("the same Bond event without hookctl's Idempotency-Key was not known as a duplicate: %s", a)
	}
	// Another event (another occurred_at) is not a duplicate; the worker
	// takes events in order, so once it is logged the duplicate would be.
	other := strings.Replace(card, "21:00:00.000000", "21:00:01.000000", 1)
	if a := post(other, ""); gjson.Get(a, "duplicate").Bool() {
		t.Fatalf("another event taken as a duplicate: %s", a)
	}
	deadline := time.Now().Add(10 * time.Second)
	var lines []string
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(log)
		if lines = strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) >= 2 && lines[0] != "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(lines) != 2 {
		t.Errorf("processed.log = %q, want the two events once each", lines)
	}
}
