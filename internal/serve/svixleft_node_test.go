package serve_test

import (
	"fmt"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftNodeSvixFidelity: the official svix Node library sees serve
// answer as svix-server does where serve differed: message.create sent
// again with its idempotencyKey and another message gets the first
// message back and sends nothing more (serve answered 409); an endpoint
// uid with the id's prefix is a 422 (serve took it); endpoint.list from
// an iterator naming no endpoint reads on from where it sorts among the
// ids (serve answered the first page whatever it was).
func TestSvixleftNodeSvixFidelity(t *testing.T) {
	mods := nodeModules(t)
	e := servetest.Start(t, nil)
	r := runNode(t, mods, "svixleft_svix.js", e.URL)
	if r["secondId"] != r["firstId"] || r["secondType"] != "order.paid" || r["messages"] != float64(1) {
		t.Errorf("the idempotencyKey again with another message: %v %v (%v messages), want the first message alone", r["secondId"], r["secondType"], r["messages"])
	}
	if got := fmt.Sprint(r["uidError"]); got != "map[code:422 msg:Uids are not allowed to have the same prefix as the ID. Prefix with _?]" {
		t.Errorf("uid ep_mine: %s", got)
	}
	eps := r["eps"].([]any)
	if got, want := fmt.Sprint(r["afterLate"], r["afterEarly"], r["descLate"]), fmt.Sprint([]any{}, eps, []any{eps[1], eps[0]}); got != want {
		t.Errorf("lists from iterators of 2100, 2020, and 2100 descending: %s, want %s", got, want)
	}
}
