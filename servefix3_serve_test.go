//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServefix3MambuMessageAndWrongMethod runs hookctl serve and asks
// Mambu's API as a Mambu client does.
//
// A message's event is Mambu's name for it, the value of Mambu's event
// enum (LOAN_DISBURSEMENT), in GET …/messages/{encodedKey} as in the
// searches (servefix3_mambu_event_name.txtar); it was hookctl's
// loan.disbursed, then the name its template's body writes
// (LOAN_DISBURSED), which Mambu's enum does not have.
//
// A method Mambu does not serve on one of its paths (GET on
// messages:search, DELETE on a message) is 405 with Allow and Mambu's
// code for it, 5 METHOD_NOT_IMPLEMENTED, in the version's envelope; it
// was 404 INVALID_API_OPERATION, the answer to a path that does not
// exist, which it still is.
func TestServefix3MambuMessageAndWrongMethod(t *testing.T) {
	g := newGhostEnv(t)
	g.run("subscribe", "--url", "http://127.0.0.1:9/mambu", "--events", "loan.*", "--provider", "mambu")
	base := strings.TrimSuffix(startServe(t, g.cmd("serve", "--port", "0", "--no-worker", "-o", "json")).URL, "/")
	do := func(method, path, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("apiKey", "k")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/vnd.mambu.v2+json") // (v1 ignores it)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, b := do("POST", "/_hookctl/trigger", `{"type":"loan.disbursed","provider":"mambu"}`)
	var trig struct{ Deliveries []struct{ ID string } }
	if resp.StatusCode != 201 || json.Unmarshal(b, &trig) != nil || len(trig.Deliveries) != 1 {
		t.Fatalf("trigger: %d %s", resp.StatusCode, b)
	}
	key := trig.Deliveries[0].ID
	resp, b = do("GET", "/api/communications/messages/"+key, "")
	var msg struct{ EncodedKey, Event, Body string }
	if resp.StatusCode != 200 || json.Unmarshal(b, &msg) != nil || msg.EncodedKey != key {
		t.Fatalf("GET the message: %d %s", resp.StatusCode, b)
	}
	if msg.Event != "LOAN_DISBURSEMENT" || !strings.Contains(msg.Body, `"event":"LOAN_DISBURSED"`) {
		t.Errorf("GET the message: event %q, want LOAN_DISBURSEMENT, Mambu's name (its body the template's): %s", msg.Event, b)
	}

	for _, c := range []struct {
		method, path, allow string
		v1                  bool
	}{
		{"GET", "/api/communications/messages:search", "POST", false},
		{"PUT", "/api/communications/messages:resend", "POST", false},
		{"DELETE", "/api/communications/messages/" + key, "GET, HEAD", false},
		{"GET", "/api/notifications/messages/search", "POST", true},
		{"GET", "/api/notifications/messages", "POST", true},
	} {
		resp, b := do(c.method, c.path, "")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q %s; want 405 Allow %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), b, c.allow)
			continue
		}
		var v2 struct {
			Errors []struct {
				ErrorCode   int
				ErrorReason string
				ErrorSource string
			}
		}
		var v1 struct {
			ReturnCode   int
			ReturnStatus string
			ErrorSource  string
		}
		switch {
		case c.v1:
			if json.Unmarshal(b, &v1) != nil || v1.ReturnCode != 5 || v1.ReturnStatus != "METHOD_NOT_IMPLEMENTED" || !strings.Contains(v1.ErrorSource, "use "+c.allow) {
				t.Errorf("%s %s: %s; want v1's envelope, 5 METHOD_NOT_IMPLEMENTED naming %s", c.method, c.path, b, c.allow)
			}
		default:
			if json.Unmarshal(b, &v2) != nil || len(v2.Errors) != 1 || v2.Errors[0].ErrorCode != 5 ||
				v2.Errors[0].ErrorReason != "METHOD_NOT_IMPLEMENTED" || !strings.Contains(v2.Errors[0].ErrorSource, "use "+c.allow) {
				t.Errorf("%s %s: %s; want v2's envelope, 5 METHOD_NOT_IMPLEMENTED naming %s", c.method, c.path, b, c.allow)
			}
		}
	}
	// A path Mambu does not serve is still 404 INVALID_API_OPERATION,
	// whatever the method.
	for _, m := range []string{"GET", "POST"} {
		resp, b := do(m, "/api/communications/nothing", "{}")
		if resp.StatusCode != 404 || resp.Header.Get("Allow") != "" || !strings.Contains(string(b), "INVALID_API_OPERATION") {
			t.Errorf("%s on no route: %d Allow %q %s; want 404 INVALID_API_OPERATION", m, resp.StatusCode, resp.Header.Get("Allow"), b)
		}
	}
}

// TestServefix3ControlWrongMethod: a control route asked with another
// method (GET /_hookctl/trigger, as a test suite's helper that forgot its
// method does) is 405 with Allow, in the control API's envelope, naming
// the methods; it was 404 not_found "no route GET /_hookctl/trigger",
// the answer to a path that is not there. An unknown path stays 404.
func TestServefix3ControlWrongMethod(t *testing.T) {
	g := newGhostEnv(t)
	base := strings.TrimSuffix(startServe(t, g.cmd("serve", "--port", "0", "--no-worker", "-o", "json")).URL, "/")
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "/_hookctl/trigger", "POST"},
		{"DELETE", "/_hookctl/replay", "POST"},
		{"POST", "/_hookctl/deliveries/d-1", "GET, HEAD"},
		{"PUT", "/_hookctl/faults", "GET, HEAD, POST, DELETE"},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct {
			Error struct{ Code, Message string }
		}
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow || json.Unmarshal(b, &e) != nil ||
			e.Error.Code != "method_not_allowed" || !strings.Contains(e.Error.Message, c.method+" is not allowed on "+c.path+": use "+c.allow) {
			t.Errorf("%s %s: %d Allow %q %s; want 405 Allow %q, method_not_allowed naming them", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), b, c.allow)
		}
	}
	resp, err := http.Get(base + "/_hookctl/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Allow") != "" {
		t.Errorf("GET /_hookctl/nothing: %d Allow %q, want 404", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
