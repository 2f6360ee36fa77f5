package serve_test

import (
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// The official svix Node library's endpoint.replayMissing,
// endpoint.sendExample and endpoint.transformationGet against serve: the
// message sent before the endpoint existed is replayed to it, the example
// of invoice.paid is the catalog's, both verify with the library and the
// endpoint's secret, and no transformation is enabled. Before, each call
// was a 404 the library threw.
func TestServefix4NodeSvixReplayMissing(t *testing.T) {
	mods := nodeModules(t)
	e := servetest.Start(t, nil)
	r := runNode(t, mods, "servefix4_svix_replay.js", e.URL)
	if r["task"] != "endpoint.replay" || r["replayedId"] != r["earlyId"] || r["replayedBody"] != `{"order":"o-early"}` || r["replayedVerified"] != true {
		t.Fatalf("replayMissing: %v", r)
	}
	body, _ := r["sentBody"].(map[string]any)
	if r["exampleType"] != "invoice.paid" || r["sentId"] != r["exampleId"] || r["sentVerified"] != true || body["type"] != "invoice.paid" {
		t.Fatalf("sendExample: %v", r)
	}
	if r["transformationEnabled"] != false {
		t.Fatalf("transformationGet: %v", r)
	}
}
