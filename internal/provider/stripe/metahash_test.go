package stripe_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestMetadataNotAHash: metadata sent as one value (metadata=team:payments,
// not metadata[team]=payments) is Stripe's 400 "Invalid hash" on
// metadata, at create and at update, and changes nothing. Before, it was
// dropped: 200 with "metadata": {}, so the caller believed it was kept.
// metadata= (empty) still unsets every key.
func TestMetadataNotAHash(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[]=*&metadata=team:payments")
	if code != 400 || !strings.Contains(string(body), `"param":"metadata"`) || !strings.Contains(string(body), "Invalid hash") {
		t.Fatalf("create with metadata=team:payments: %d %s, want 400 Invalid hash", code, body)
	}
	code, body = e.Do("GET", "/v1/webhook_endpoints", bearer, nil)
	if code != 200 || strings.Contains(string(body), "we_") {
		t.Fatalf("the refused create made an endpoint: %s", body)
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[]=*&metadata[team]=payments")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "metadata=team:billing")
	if code != 400 || !strings.Contains(string(body), "Invalid hash") {
		t.Fatalf("update with metadata=team:billing: %d %s, want 400 Invalid hash", code, body)
	}
	_, body = e.Do("GET", "/v1/webhook_endpoints/"+id, bearer, nil)
	if md := servetest.JSON(t, body)["metadata"].(map[string]any); md["team"] != "payments" {
		t.Fatalf("the refused update changed metadata: %v", md)
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "metadata=")
	if md := servetest.JSON(t, body)["metadata"].(map[string]any); code != 200 || len(md) != 0 {
		t.Fatalf("metadata= unsets every key: %d %s", code, body)
	}
}
