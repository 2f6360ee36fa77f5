package web_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// TestBrowserCopyAsCurlLargeBody: the curl block of a delivery whose body
// is over what the page's views hold (256 KiB) does not hold the body:
// the command reads it from a file the block names and links to, and run
// next to that file it sends the exact bytes, signed as stored. Before,
// the block held the whole body (a 300 KiB binary body: 400 KiB of
// base64 in the page, a 6 MiB body 8 MiB).
func TestBrowserCopyAsCurlLargeBody(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	e := newEnv(t)
	ctx := newBrowser(t, path)
	body := make([]byte, 300<<10)
	for i := range body {
		body[i] = byte(i * 7) // not UTF-8, NULs, CRs: every byte value
	}
	pub, err := e.disp.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond",
		Payload: body, ContentType: "application/octet-stream"}, service.Target{SubscriptionID: e.sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	e.waitDelivery(t, id, 1)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+id), chromedp.WaitReady(`#curl`))
	cmdline := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('curl').textContent`))
	if len(cmdline) > 8<<10 {
		t.Fatalf("the curl block holds %d bytes for a %d-byte body", len(cmdline), len(body))
	}
	link := get(t, ctx, chromedp.Evaluate[[]string](`(function(){var a=document.querySelector('[data-testid="curl-body"]');return a?[a.href,a.getAttribute('download')]:[]})()`))
	if len(link) != 2 || !strings.Contains(cmdline, "'@"+link[1]+"'") {
		t.Fatalf("the block links %q; the command reads %q", link, cmdline[max(len(cmdline)-80, 0):])
	}
	resp, err := http.Get(link[0])
	if err != nil {
		t.Fatal(err)
	}
	file, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", link[0], resp.StatusCode, err)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `"`+link[1]+`"`) {
		t.Errorf("the download is named %q, the command reads %q", cd, link[1])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, link[1]), file, 0o600); err != nil {
		t.Fatal(err)
	}
	n := len(e.app.all())
	sh := exec.Command("bash")
	sh.Dir = dir
	sh.Stdin = strings.NewReader(cmdline + " -sS -o /dev/null\n")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("the command failed: %v: %s", err, out)
	}
	got := e.app.all()
	if len(got) != n+1 {
		t.Fatalf("the app received %d requests, want 1", len(got)-n)
	}
	if last := got[len(got)-1]; last.Body != string(body) || !last.Valid {
		t.Errorf("the app received %d bytes (same: %v, valid signature %v: %s), want the %d stored", len(last.Body), last.Body == string(body), last.Valid, last.Err, len(body))
	}
}

// TestBrowserCopyAsCurlHeaderBytes: a header value that is not UTF-8
// (caf\xe9, as a sender sent it and the store keeps it) is sent again
// with its bytes by the page's curl command: the page cannot hold the
// byte (it shows \xe9), so the command writes it with printf. Before,
// the page's command held the text \xe9, and curl sent those four
// characters.
func TestBrowserCopyAsCurlHeaderBytes(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	e := newEnv(t)
	ctx := newBrowser(t, path)
	const raw = "caf\xe9 100% \\x41 'q' \xff"
	// A request listen received and has not forwarded yet: the page's
	// command is the request as received.
	ev := &store.Event{ID: "evt_raw_header", Type: "card.created", Provider: "bond", Source: store.SourceReceived,
		Payload: []byte(`{}`), ContentType: "application/json", Headers: map[string][]string{"X-Raw": {raw}, "Content-Type": {"application/json"}}}
	d := &store.Delivery{URL: e.sub.CallbackURL, Status: store.DeliveryPending, MaxAttempts: 1, Kind: store.KindForward,
		NextAttemptAt: time.Now().Add(time.Hour)}
	if err := e.st.CreateEvent(context.Background(), ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	id := d.ID
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/deliveries/"+id), chromedp.WaitReady(`#curl`))
	cmdline := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('curl').textContent`))
	for _, shell := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(shell); err != nil {
			continue
		}
		n := len(e.app.all())
		sh := exec.Command(shell)
		sh.Stdin = strings.NewReader(cmdline + " -sS -o /dev/null\n")
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: the command failed: %v: %s\n%s", shell, err, out, cmdline)
		}
		if got := e.app.all(); len(got) != n+1 || got[n].Raw != raw {
			t.Errorf("%s: the command sent X-Raw %+v, want %q:\n%s", shell, got[n:], raw, cmdline)
		}
	}
}
