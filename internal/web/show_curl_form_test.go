package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// Copy as curl of a form-encoded delivery (headers that ask for
// application/x-www-form-urlencoded: the body sent is payload=<the JSON>,
// and the signature is over it) sends that form body with a signature
// that verifies. It sent the stored JSON, which the signature did not
// match.
func TestCopyAsCurlFormBody(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	e := newEnv(t)
	pub, err := e.disp.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: []byte(`{"event":"card.created","note":"it's & ="}`), ContentType: "application/json"},
		service.Target{SubscriptionID: e.sub.ID, Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	e.waitDelivery(t, id, 1)
	sent := e.app.all()
	if len(sent) != 1 || !strings.HasPrefix(sent[0].Body, "payload=") || !sent[0].Valid {
		t.Fatalf("the app received %+v, want one valid form body", sent)
	}
	resp, err := http.Get(e.url + "/deliveries/" + id)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?s)<pre id="curl" data-testid="curl">(.*?)</pre>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no curl command on the page")
	}
	cmdline := html.UnescapeString(string(m[1]))
	sh := exec.Command("sh")
	sh.Stdin = strings.NewReader(cmdline + " -sS -o /dev/null\n")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s\n%s", err, out, cmdline)
	}
	got := e.app.all()
	if len(got) != 2 {
		t.Fatalf("the app received %d requests from the command, want 1", len(got)-1)
	}
	if last := got[1]; last.Body != sent[0].Body || !last.Valid {
		t.Errorf("copy as curl sent %q (valid signature %v: %s), want %q", last.Body, last.Valid, last.Err, sent[0].Body)
	}
}
