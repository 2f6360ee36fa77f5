package mambu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestProvleftResentMessageIsQueued: a resend enqueues the message (Mambu's
// API names its resends enqueue-by-keys and enqueue-by-date) and starts a
// fresh retry cycle; until that cycle's first attempt it is QUEUED, one of
// the states Mambu documents as waiting to be sent. It showed WAITING, the
// state of a message between failed attempts of its old cycle. Once an
// attempt of the new cycle fails and a retry is due it is WAITING again,
// and FAILED when the cycle runs out.
func TestProvleftResentMessageIsQueued(t *testing.T) {
	e := servetest.Start(t, nil)
	id, _ := failedMessage(t, e)
	subs, err := e.Store.ListSubscriptions(t.Context(), store.SubscriptionFilter{})
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
	e.Recv.SetStatus(500)
	// The resend's first attempt is held 3 s, so the state before it can be read.
	if code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": subs[0].ID, "count": 1, "delay_ms": 3000}); code >= 300 {
		t.Fatalf("fault: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/communications/messages:resend", basic, map[string]any{"messages": []string{id}}); code != 202 {
		t.Fatalf("resend: %d %s", code, body)
	}
	if _, b := e.Do("GET", "/api/communications/messages/"+id, basic, nil); !strings.Contains(string(b), `"state":"QUEUED"`) {
		t.Errorf("a resent message before its first new attempt: %s, want state QUEUED", b)
	}
	code, b := e.Do("POST", "/api/communications/messages:search", basic, `{"filterCriteria":[{"field":"state","operator":"EQUALS","value":"QUEUED"}]}`)
	if code != 200 || !strings.Contains(string(b), id) {
		t.Errorf("search state QUEUED: %d %s, want the resent message", code, b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, b := e.Do("GET", "/api/communications/messages/"+id, basic, nil)
		if strings.Contains(string(b), `"state":"FAILED"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resent message never failed again: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
