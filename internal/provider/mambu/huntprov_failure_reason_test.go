package mambu_test

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/subscription"
)

// TestHuntprovFailureReasonIsMambus: a FAILED message's failureReason is
// a value of Mambu's failureReason enum: INVALID_HTTP_RESPONSE when the
// receiver answered with a status that is not a success, and
// HTTP_ERROR_WHILE_SENDING when no answer came (connection refused, a
// timeout). Before, it was WEBHOOK_NOTIFICATION_FAILED, which Mambu's
// enum does not have (a client generated from Mambu's OpenAPI document
// fails to read it). failureCause keeps hookctl's detail.
func TestHuntprovFailureReasonIsMambus(t *testing.T) {
	e := servetest.Start(t, nil)
	id, _ := failedMessage(t, e) // the receiver answered 500
	_, body := e.Do("GET", "/api/communications/messages/"+id, basic, nil)
	if m := servetest.JSON(t, body); m["failureReason"] != "INVALID_HTTP_RESPONSE" || m["failureCause"] == "" {
		t.Errorf("answered 500: failureReason %v (cause %v), want INVALID_HTTP_RESPONSE", m["failureReason"], m["failureCause"])
	}

	// No answer at all: a port nothing listens on.
	svc := &subscription.Service{Store: e.Store}
	if _, err := svc.Create(t.Context(), subscription.CreateInput{URL: "http://127.0.0.1:9/down", Events: []string{"client.*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "client.created", "provider": "mambu"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	key := servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, body = e.Do("GET", "/api/communications/messages/"+key, basic, nil)
		m := servetest.JSON(t, body)
		if m["state"] == "FAILED" {
			if m["failureReason"] != "HTTP_ERROR_WHILE_SENDING" {
				t.Errorf("no answer: failureReason %v (cause %v), want HTTP_ERROR_WHILE_SENDING", m["failureReason"], m["failureCause"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never failed: %s", body)
		}
	}
}
