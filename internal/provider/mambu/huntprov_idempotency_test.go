package mambu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovResendIdempotencyKey: Mambu's API v2 takes an
// Idempotency-Key on its POSTs; a client that sends one and retries a
// resend whose answer it lost gets the first answer again (202), and the
// message is resent once. Before, the key was ignored: the retry was a
// second resend, refused 400 ("message … is WAITING: only FAILED
// messages are resent") while the first had been accepted. The key with
// another request is a 400 INVALID_PARAMETERS saying so.
func TestHuntprovResendIdempotencyKey(t *testing.T) {
	e := servetest.Start(t, nil)
	id, first := failedMessage(t, e)
	e.Recv.SetStatus(500) // the resend fails too: the message stays unsent while retried
	hdr := map[string]string{"Authorization": basic["Authorization"], "Idempotency-Key": "0a1b2c3d-resend-1"}
	body := `{"messages":["` + id + `"]}`
	for i := range 2 {
		if code, got := e.Do("POST", "/api/communications/messages:resend", hdr, body); code != 202 {
			t.Fatalf("resend %d with the same Idempotency-Key: %d %s, want 202 both times", i+1, code, got)
		}
	}
	if again := e.Recv.Next(t, 10*time.Second); string(again.Body) != string(first) {
		t.Fatalf("resend sent %s", again.Body)
	}
	// The key with another request.
	code, got := e.Do("POST", "/api/communications/messages:resendAsyncByKeys", hdr, body)
	if code != 400 || !strings.Contains(string(got), "INVALID_PARAMETERS") || !strings.Contains(string(got), "Idempotency-Key") {
		t.Fatalf("the key with another request: %d %s", code, got)
	}
}
