package stripe_test

import (
	"encoding/json"
	"testing"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestDocURLOnCodedErrors: an error with a code carries Stripe's doc_url
// (https://stripe.com/docs/error-codes/ and the code with hyphens), as
// Stripe's own answers do ({"code": "resource_missing", "doc_url":
// "https://stripe.com/docs/error-codes/resource-missing", …}); one
// without a code (an unknown URL) has none. The official library reads
// it into Error.DocURL.
func TestDocURLOnCodedErrors(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	ctx := t.Context()
	var se *stripego.Error
	_, err := sc.V1WebhookEndpoints.Retrieve(ctx, "we_missing", nil)
	if !errorsAs(err, &se) || se.Code != "resource_missing" || se.DocURL != "https://stripe.com/docs/error-codes/resource-missing" {
		t.Fatalf("missing endpoint: %v (doc_url %q)", err, docURL(se))
	}
	for _, err := range sc.V1WebhookEndpoints.List(ctx, &stripego.WebhookEndpointListParams{ListParams: stripego.ListParams{Limit: stripego.Int64(0)}}).All(ctx) {
		if !errorsAs(err, &se) || se.Code != "parameter_invalid_integer" || se.DocURL != "https://stripe.com/docs/error-codes/parameter-invalid-integer" {
			t.Fatalf("limit=0: %v (doc_url %q)", err, docURL(se))
		}
		break
	}
	status, body := e.Do("GET", "/v1/no_such_thing", bearer, nil)
	var env struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || status != 404 || env.Error == nil {
		t.Fatalf("unknown URL: %d %s", status, body)
	}
	if _, ok := env.Error["doc_url"]; ok {
		t.Errorf("an error without a code has a doc_url: %s", body)
	}
}

func docURL(se *stripego.Error) string {
	if se == nil {
		return ""
	}
	return se.DocURL
}
