package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestHuntcheckAnswerNotUTF8: a receiver's answer that is not UTF-8
// (0xff 0xfe, then "ok") and one that spells those bytes as text
// (`\xff\xfeok`) read the same on the delivery's page; the first now
// says it is not UTF-8 and shows its exact bytes in hex, the second
// (text) says nothing of the kind. Before, both showed `\xff\xfeok`
// with no note and no other view: which one the receiver sent could
// not be told.
func TestHuntcheckAnswerNotUTF8(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	answers := map[string]string{"/bytes": "\xff\xfeok", "/text": `\xff\xfeok`}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(answers[r.URL.Path]))
	}))
	t.Cleanup(rcv.Close)
	ids := map[string]string{}
	for p := range answers {
		pub, err := e.disp.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
			service.Target{URL: rcv.URL + p, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{0}})
		if err != nil {
			t.Fatal(err)
		}
		ids[p] = pub.Deliveries[0].ID
		e.waitDelivery(t, ids[p], 1)
	}
	pre := func(page, id string) string {
		m := regexp.MustCompile(`(?s)<pre class="body" data-testid="` + id + `">\n?(.*?)</pre>`).FindStringSubmatch(page)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}
	for p, id := range ids {
		resp, err := http.Get(e.url + "/deliveries/" + id)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		page := string(body)
		if got := pre(page, "response-body"); got != `\xff\xfeok` {
			t.Errorf("%s: the answer reads %q", p, got)
		}
		note := regexp.MustCompile(`data-testid="response-binary">([^<]*)<`).FindStringSubmatch(page)
		hex := pre(page, "response-hex")
		switch p {
		case "/bytes":
			if note == nil || !strings.Contains(html.UnescapeString(note[1]), "not valid UTF-8 (byte 0xff at offset 0)") ||
				!strings.Contains(hex, "ff fe 6f 6b") {
				t.Errorf("%s: note %q, hex %q: want it said not UTF-8, and the bytes ff fe 6f 6b", p, note, hex)
			}
		case "/text":
			if note != nil || hex != "" {
				t.Errorf("%s: a text answer got note %q, hex %q", p, note, hex)
			}
		}
	}
}
