package web_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/testutil/testpar"
)

// The browser tests share one headless Chromium per run of the package:
// each gets a tab in a new browser context (an incognito profile: its own
// cookies, storage and cache) instead of a Chromium of its own. Starting
// Chromium cost each of ~45 tests ~0.5 s (more on a loaded machine); a
// new browser context in a running one ~0.15 s.
var shared struct {
	sync.Mutex
	path    string
	ctx     context.Context // the browser's first tab; new contexts are its children
	cancel  func()
	started bool
	err     error
}

// webParallel is how many tests run at once when `go test` is not given
// -parallel (its default, GOMAXPROCS, is 2 here): the live log's tests
// wait out ticks, write deadlines and grace periods, the browser's for
// pages to settle. On the 2-core VM (loaded), the package took 47 s with
// 2 at a time and 35 s with 4.
const webParallel = 4

// TestMain runs the tests webParallel at a time and stops the shared
// Chromium after them.
func TestMain(m *testing.M) {
	code := testpar.Run(m, webParallel)
	shared.Lock()
	if shared.cancel != nil {
		shared.cancel()
	}
	shared.Unlock()
	os.Exit(code)
}

// sharedBrowserTab returns a new tab, in a browser context of its own, of
// the package's Chromium at path (started by the first call). The tab and
// its context are closed when the test ends.
func sharedBrowserTab(t *testing.T, path string) context.Context {
	t.Helper()
	shared.Lock()
	if !shared.started {
		shared.started, shared.path = true, path
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900), chromedp.NoSandbox)
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		shared.ctx, shared.cancel = bctx, func() { bcancel(); acancel() }
		shared.err = chromedp.Do(bctx)
	}
	bctx, err := shared.ctx, shared.err
	if path != shared.path {
		err = nil
		bctx = nil
	}
	shared.Unlock()
	if err != nil {
		t.Fatalf("start browser %s: %v", path, err)
	}
	if bctx == nil {
		t.Fatalf("the shared browser is %s, this test asked for %s", shared.path, path)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new tab in the shared browser %s: %v", path, err)
	}
	return ctx
}
