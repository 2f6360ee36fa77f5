package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An answer longer than the 64 KiB an attempt keeps: deliveries show says
// only its start was kept (with the whole size its Content-Length gave),
// and -o json marks it "body_truncated"; a short answer is neither.
// It was shown cut at 64 KiB as if that were all of it.
func TestDeliveriesShowTruncatedResponse(t *testing.T) {
	c := newCrashEnv(t)
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "200000")
		w.WriteHeader(500)
		w.Write(bytes.Repeat([]byte("y"), 200000))
	}))
	t.Cleanup(big.Close)
	small := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		w.Write([]byte("short"))
	}))
	t.Cleanup(small.Close)
	for _, tc := range []struct {
		url      string
		note     string
		truncate bool
	}{
		{big.URL, "… (the first 64 KiB of 200000 bytes kept)", true},
		{small.URL, "", false},
	} {
		var doc struct {
			Deliveries []struct{ ID string } `json:"deliveries"`
		}
		out := c.hookctl(1, "trigger", "card.created", "--url", tc.url+"/hooks", "--secret", "whsec_test_secret", "--no-retry", "-o", "json")
		if err := json.Unmarshal(out, &doc); err != nil || len(doc.Deliveries) != 1 {
			t.Fatalf("trigger -o json: %v %s", err, tail(string(out)))
		}
		id := doc.Deliveries[0].ID
		text := string(c.hookctl(0, "deliveries", "show", id))
		if got := strings.Contains(text, "kept"); got != tc.truncate || (tc.truncate && !strings.HasSuffix(text, "\n"+tc.note+"\n")) {
			t.Errorf("%s: show ends %q, want note %q", tc.url, tail(text[max(0, len(text)-120):]), tc.note)
		}
		var show struct {
			Attempts []struct {
				Response struct {
					Body          string `json:"body"`
					BodyTruncated bool   `json:"body_truncated"`
				} `json:"response"`
			} `json:"attempts"`
		}
		if err := json.Unmarshal(c.hookctl(0, "deliveries", "show", id, "-o", "json"), &show); err != nil || len(show.Attempts) != 1 {
			t.Fatalf("show -o json: %v", err)
		}
		if r := show.Attempts[0].Response; r.BodyTruncated != tc.truncate || (tc.truncate && len(r.Body) != 64<<10) {
			t.Errorf("%s: body_truncated %v with %d bytes, want %v", tc.url, r.BodyTruncated, len(r.Body), tc.truncate)
		}
	}
}
