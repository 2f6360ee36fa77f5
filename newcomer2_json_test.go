//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// `hookctl trigger -o json` and `replay -o json` printed their document
// indented, except its "summary", written compact on one line
// ({"total":1,"succeeded":1,…}) inside it; every other -o json document
// is indented throughout. The run document is now indented as
// json.Indent would: the same bytes as the document re-indented.
func TestNewcomer2RunJSONIndentedThroughout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	e := newPTYEnv(t)
	canonical := func(what string, doc []byte) {
		t.Helper()
		var c, want bytes.Buffer
		if err := json.Compact(&c, doc); err != nil {
			t.Fatalf("%s -o json is not JSON: %v\n%s", what, err, doc)
		}
		json.Indent(&want, c.Bytes(), "", "  ")
		want.WriteByte('\n')
		if !bytes.Equal(doc, want.Bytes()) {
			t.Errorf("%s -o json is not indented throughout:\n%s\nwant:\n%s", what, doc, want.Bytes())
		}
	}
	out := e.plain("trigger", "card.created", "--url", srv.URL, "-o", "json")
	canonical("trigger", []byte(out))
	var run struct {
		Deliveries []struct {
			ID string `json:"id"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil || len(run.Deliveries) != 1 {
		t.Fatalf("trigger -o json: %v, %d deliveries\n%s", err, len(run.Deliveries), out)
	}
	canonical("replay", []byte(e.plain("replay", run.Deliveries[0].ID, "--force", "-o", "json")))
}
