package serve_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestDelsubControlListsDeletedSubscriptionsDeliveries: once its endpoint
// is deleted through a provider API, /_hookctl/deliveries?subscription=
// still lists the subscription's deliveries, by its id or a prefix, with
// deleted_subscription_id (and no subscription_id). Before, none matched
// and it answered 404 "subscription … not found".
func TestDelsubControlListsDeletedSubscriptionsDeliveries(t *testing.T) {
	e := servetest.Start(t, nil)
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=payment.succeeded")
	if code != 200 {
		t.Fatalf("stripe endpoint: %d %s", code, body)
	}
	we := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment.succeeded"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	sub := servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["subscription_id"].(string)
	e.Recv.Next(t, 5*time.Second)
	if code, body := e.Do("DELETE", "/v1/webhook_endpoints/"+we, map[string]string{"Authorization": "Bearer sk_test_1"}, nil); code != 200 {
		t.Fatalf("delete endpoint: %d %s", code, body)
	}
	for _, id := range []string{sub, sub[:8]} {
		code, body := e.Do("GET", "/_hookctl/deliveries?subscription="+id, nil, nil)
		var l struct{ Data []map[string]any }
		json.Unmarshal(body, &l)
		if code != 200 || len(l.Data) != 1 || l.Data[0]["deleted_subscription_id"] != sub || l.Data[0]["subscription_id"] != nil {
			t.Errorf("deliveries?subscription=%s after the delete: %d %s, want the delivery, of the deleted subscription", id, code, body)
		}
	}
}
