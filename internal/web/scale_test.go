package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	hkapp "github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/web"
)

// TestScale measures the inspector over a large store (seed one with
// bench/cmd/seed): server time of the log page and its filters, first
// paint and filter changes in a real browser, and the live log under
// 1,000 deliveries/s. HOOKCTL_WEB_SCALE_STORE=path runs it (bench/web.sh).
func TestScale(t *testing.T) {
	t.Parallel()
	path := os.Getenv("HOOKCTL_WEB_SCALE_STORE")
	if path == "" {
		t.Skip("set HOOKCTL_WEB_SCALE_STORE to a seeded store (bench/web.sh)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := hkapp.OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	info, _ := st.Info(ctx)
	u, stop, err := web.Start(ctx, "127.0.0.1:0", web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	base := strings.TrimSuffix(u, "/")
	fmt.Printf("store: %s, %d deliveries\n", info.Backend, info.Deliveries)

	pages := []string{"/", "/?status=failed", "/?type=card.created", "/?type=kyc.*", "/?provider=mono",
		"/?q=e5e3a1d2", "/?q=no-such-text", "/?status=failed&type=transactions", "/overview"}
	// Time ranges (From, To) in the middle of the store's span: an hour,
	// an hour with filters, everything since (half the store) and
	// everything before; labelled MID (the middle's time) in the output.
	labels := map[string]string{}
	if in, ok := st.(store.Inspector); ok {
		newest, err1 := in.InspectDeliveries(ctx, store.InspectQuery{Limit: 1})
		oldest, err2 := in.InspectDeliveries(ctx, store.InspectQuery{Tail: true, Limit: 1})
		if err1 == nil && err2 == nil && len(newest.Rows) > 0 && len(oldest.Rows) > 0 {
			o, n := oldest.Rows[0].CreatedAt, newest.Rows[0].CreatedAt
			mid := o.Add(n.Sub(o) / 2).UTC()
			m, h := mid.Format(time.RFC3339), mid.Add(time.Hour).Format(time.RFC3339)
			for _, r := range []struct{ path, label string }{
				{"/?from=" + m + "&to=" + h, "/?from=MID&to=MID+1h"},
				{"/?from=" + m + "&to=" + h + "&status=failed", "/?from=MID&to=MID+1h&status=failed"},
				{"/?from=" + m + "&to=" + h + "&q=no-such-text", "/?from=MID&to=MID+1h&q=no-such-text"},
				{"/?from=" + m, "/?from=MID"},
				{"/?to=" + m, "/?to=MID"},
				{"/?to=" + m + "&type=kyc.*", "/?to=MID&type=kyc.*"},
			} {
				pages = append(pages, r.path)
				labels[r.path] = r.label
			}
		}
	}
	for _, p := range pages {
		var ds []time.Duration
		for range 7 {
			start := time.Now()
			resp, err := http.Get(base + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		label := p
		if l, ok := labels[p]; ok {
			label = l
		}
		fmt.Printf("server  %-36s median %6.1f ms  max %6.1f ms\n", label, ms(ds[3]), ms(ds[6]))
	}

	bp := browserPath()
	if bp == "" {
		fmt.Println("no browser: browser figures skipped")
		return
	}
	bctx := newBrowser(t, bp)
	for _, p := range []string{"/", "/", "/?status=failed", "/?q=e5e3a1d2"} {
		do(t, bctx, 30*time.Second, chromedp.Navigate(base+p))
		nav := get(t, bctx, chromedp.Evaluate[[]float64](`(function(){var n=performance.getEntriesByType('navigation')[0];var f=performance.getEntriesByName('first-contentful-paint')[0];return [n.responseStart,n.domContentLoadedEventEnd,n.loadEventEnd,f?f.startTime:-1]})()`))
		fmt.Printf("browser %-36s first byte %6.1f ms  DOMContentLoaded %6.1f ms  load %6.1f ms  FCP %6.1f ms\n", p, nav[0], nav[1], nav[2], nav[3])
	}
	// A filter change in the page: the script fetches the rows and swaps
	// them in; window.__filterMs is the time from the change to the swap.
	do(t, bctx, 30*time.Second, chromedp.Navigate(base+"/"))
	for _, f := range []string{"status=failed", "q=e5e3a1d2", "provider=mono", "type=kyc.*", "status="} {
		k, v, _ := strings.Cut(f, "=")
		get(t, bctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function(){window.__filterMs=undefined;var f=document.querySelector('form.filters');var el=f.elements[%q];el.value=%q;el.dispatchEvent(new Event(el.tagName==='SELECT'?'change':'input',{bubbles:true}));if(el.tagName!=='SELECT'){f.requestSubmit()}return true})()`, k, v)))
		took := get(t, bctx, chromedp.Poll[float64](`window.__filterMs`, chromedp.WithPollingTimeout(10*time.Second)))
		fmt.Printf("browser filter change %-26s %6.1f ms (change to rows swapped in, measured in the page)\n", f, took)
	}

	// Live: 1,000 deliveries/s for 5 s into the store while the page is open.
	do(t, bctx, 30*time.Second, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	get(t, bctx, chromedp.Evaluate[bool](`(function(){window.__gap=0;var last=performance.now();setInterval(function(){var n=performance.now();window.__gap=Math.max(window.__gap,n-last-50);last=n},50);return true})()`))
	// The same probe with nothing streaming: what the machine itself costs.
	time.Sleep(3 * time.Second)
	idleGap := get(t, bctx, chromedp.Evaluate[float64](`(function(){var g=window.__gap;window.__gap=0;return g})()`))
	rate, secs := 1000, 5
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var lastSeq int64
	genStart := time.Now()
	for i := 0; i < rate*secs/10; i++ {
		<-tick.C
		e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"event":"card.created","n":` + fmt.Sprint(i) + `}`), ContentType: "application/json"}
		e.ID = fmt.Sprintf("live-%d-%d", time.Now().UnixNano(), i)
		ds := make([]*store.Delivery, 10)
		for j := range ds {
			ds[j] = &store.Delivery{URL: "http://127.0.0.1:9/x", Status: store.DeliverySucceeded, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s"}
		}
		if err := st.CreateEvent(ctx, e, ds); err != nil {
			t.Fatal(err)
		}
		lastSeq = ds[9].Seq
	}
	gen := time.Since(genStart)
	caught := time.Now()
	get(t, bctx, chromedp.Poll[bool](fmt.Sprintf(`Number(document.getElementById('log').dataset.top) >= %d`, lastSeq), chromedp.WithPollingTimeout(10*time.Second)))
	lag := time.Since(caught)
	gap := get(t, bctx, chromedp.Evaluate[float64](`window.__gap`))
	rows := get(t, bctx, chromedp.Evaluate[int](`document.getElementById('rows').rows.length`))
	handler := get(t, bctx, chromedp.Evaluate[float64](`window.__liveMs||0`))
	fmt.Printf("live: longest batch handler in the page %.0f ms\n", handler)
	fmt.Printf("live: %d deliveries in %.1f s (%.0f/s); page caught up %.0f ms after the last; longest main-thread stall %.0f ms (idle page, 3 s: %.0f ms); rows kept %d\n",
		rate*secs, gen.Seconds(), float64(rate*secs)/gen.Seconds(), ms(lag), gap, idleGap, rows)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
