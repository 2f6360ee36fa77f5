package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestBigBodyViewsBounded: the Pretty and Raw views of a 3 MiB body show
// its first 256 KiB and say how much more there is and where it is
// (Download body), as the Hex view shows 64 KiB; the delivery's and the
// event's pages. Before, each view held the whole body: the page of a
// 6 MiB body was 19 MB of HTML and took 9 s to show in Chromium.
func TestBigBodyViewsBounded(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	body := `{"data":"` + strings.Repeat("é", 3<<19) + `"}` // 3 MiB, two bytes a character
	d := &service.Dispatcher{Store: st}
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(body), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	panel := regexp.MustCompile(`(?s)<pre class="body tab-(pretty|raw)"[^>]*>\n?(.*?)</pre>`)
	for _, path := range []string{"/deliveries/" + pub.Deliveries[0].ID, "/events/" + pub.Event.ID} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		code, page, _ := send(t, req)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		views := panel.FindAllStringSubmatch(page, -1)
		if len(views) != 2 {
			t.Fatalf("GET %s: %d Pretty/Raw views", path, len(views))
		}
		for _, v := range views {
			text := html.UnescapeString(v[2])
			if len(text) > 256<<10+100 || !strings.HasSuffix(text, " more bytes: Download body for all of it\n") || strings.ContainsRune(text, '\uFFFD') {
				t.Errorf("GET %s: the %s view holds %d bytes, ends %q", path, v[1], len(text), text[max(len(text)-80, 0):])
			}
		}
	}
}
