package serve_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvhuntPythonStripeListsAndErrors: an app using the official
// stripe Python library pages serve's webhook endpoints and events with
// auto_paging_iter (forwards and, from ending_before, backwards), filters
// events, saves and refreshes an endpoint object, and gets each error as
// the class, code and param the library and Stripe give it (with
// --api-key, a wrong key is an AuthenticationError).
func TestProvhuntPythonStripeListsAndErrors(t *testing.T) {
	py := pythonWithStripe(t)
	const key = "sk_test_provhunt"
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = key })
	script, _ := filepath.Abs(filepath.Join("testdata", "python", "provhunt_stripe_sdk.py"))
	r := runClient(t, exec.Command(py, script, e.URL, key), "python provhunt_stripe_sdk.py")

	var created []string
	for _, id := range r["created"].([]any) {
		created = append(created, id.(string))
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)
	if got := strs(r["forward"]); !slices.Equal(got, newestFirst) {
		t.Errorf("auto_paging_iter from the newest: %v, want %v", got, newestFirst)
	}
	if got := strs(r["backward"]); !slices.Equal(got, created[1:]) {
		t.Errorf("auto_paging_iter from ending_before the oldest: %v, want %v", got, created[1:])
	}
	if got := fmt.Sprint(r["listObject"]); got != "map[has_more:true n:2 object:list url:/v1/webhook_endpoints]" {
		t.Errorf("list object: %s", got)
	}
	if got := fmt.Sprint(r["saved"]); got != "map[description:saved metadata:map[team:billing] secretHidden:true]" {
		t.Errorf("save() then refresh(): %s", got)
	}

	errs := r["errors"].(map[string]any)
	for name, want := range map[string]string{
		"retrieveMissing": "InvalidRequestError 404 resource_missing id",
		"modifyMissing":   "InvalidRequestError 404 resource_missing id",
		"deleteMissing":   "InvalidRequestError 404 resource_missing id",
		"eventMissing":    "InvalidRequestError 404 resource_missing id",
		"cursorMissing":   "InvalidRequestError 400 resource_missing starting_after",
		"unknownParam":    "InvalidRequestError 400 parameter_unknown foo",
		"limitZero":       "InvalidRequestError 400 parameter_invalid_integer limit",
		"noURL":           "InvalidRequestError 400 parameter_missing url",
		"badEvent":        "InvalidRequestError 400 parameter_invalid_string enabled_events[0]",
		"bothCursors":     "InvalidRequestError 400  ",
		"wrongKey":        "AuthenticationError 401  ",
		"idemMismatch":    "IdempotencyError 400  ",
	} {
		got, _ := errs[name].(map[string]any)
		if s := fmt.Sprintf("%v %v %v %v", got["class"], got["status"], got["code"], got["param"]); s != want {
			t.Errorf("%s: %s, want %s", name, s, want)
		}
		if id, _ := got["requestId"].(string); !strings.HasPrefix(id, "req_") {
			t.Errorf("%s: the library read no Request-Id (%q)", name, id)
		}
	}

	if got := strings.Join(strs(r["events"]), " "); got != "payment.failed payment.succeeded payment.failed payment.succeeded payment.succeeded" {
		t.Errorf("events, auto-paged newest first: %s", got)
	}
	for name, want := range map[string]float64{"eventIds": 5, "succeeded": 3, "wildcard": 5, "recent": 5, "future": 0, "undelivered": 5} {
		if r[name] != want {
			t.Errorf("%s: %v, want %v", name, r[name], want)
		}
	}
	if got := fmt.Sprint(r["retrieved"]); got != "map[dataObject:payment_intent id:true object:event type:payment.failed]" {
		t.Errorf("Event.retrieve: %s", got)
	}
	// Stripe cannot resume a list after a deleted cursor
	// (stripe/stripe-go#1030); serve answers the same.
	if got := fmt.Sprint(r["deleteWhilePaging"]); got != "map[code:resource_missing deleted:3 param:starting_after]" {
		t.Errorf("deleting while paging: %s", got)
	}
}

func strs(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
