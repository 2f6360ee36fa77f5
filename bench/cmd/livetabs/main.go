// Command livetabs measures what open inspector tabs cost a running
// `hookctl ui` (bench/livetabs.sh starts it): for each N it opens live-log
// streams (/live, as a tab does, with a real HTTP client) up to N, lets
// them settle, then prints the CPU the hookctl process (and, with
// PG_TEST_DIR, the PostgreSQL server) used over -dur with nothing
// happening, and the latency from a delivery committed (written to the
// store here, as trigger writes one) to its row arriving in every tab.
//
//	livetabs -url http://127.0.0.1:4040 -pid 1234 -store DSN [-n 1,50,200] [-dur 10s] [-samples 20] [-pgcpu]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/proccpu"
)

func main() {
	url := flag.String("url", "", "the inspector's URL")
	pid := flag.Int("pid", 0, "the hookctl ui process")
	dsn := flag.String("store", "", "its store (path or postgres:// URL), for the deliveries the latency waits for")
	ns := flag.String("n", "1,50,200", "tab counts")
	dur := flag.Duration("dur", 10*time.Second, "idle window per tab count")
	samples := flag.Int("samples", 20, "latency samples per tab count")
	label := flag.String("label", "", "first column of each line (which binary, which store)")
	pgCPU := flag.Bool("pgcpu", false, "also the CPU of the PostgreSQL server of .ci/pg.sh (PG_TEST_DIR)")
	flag.Parse()
	if err := run(*url, strconv.Itoa(*pid), *dsn, *ns, *dur, *samples, *label, *pgCPU); err != nil {
		fmt.Fprintln(os.Stderr, "livetabs:", err)
		os.Exit(1)
	}
}

// tabs are the open streams; each reports the time it saw want's ID in a
// rows event.
type tabs struct {
	mu   sync.Mutex
	want string
	seen chan time.Time
	n    int
}

func (t *tabs) open(ctx context.Context, url string) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return fmt.Errorf("/live: %s", resp.Status)
	}
	hello := make(chan struct{})
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 8<<20)
		event, said := "", false
		for sc.Scan() {
			line := sc.Text()
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				event = ev
				if ev == "hello" && !said {
					said = true
					close(hello)
				}
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok && event == "rows" {
				t.mu.Lock()
				w := t.want
				t.mu.Unlock()
				if w != "" && strings.Contains(d, w) {
					t.seen <- time.Now()
				}
			}
		}
	}()
	select {
	case <-hello:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("no hello in 30s")
	}
	t.n++
	return nil
}

func run(url, pid, dsn, ns string, dur time.Duration, samples int, label string, pgCPU bool) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 1000
	st, err := app.OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	t := &tabs{seen: make(chan time.Time, 1000)}
	fmt.Printf("%-16s %5s %14s %14s %12s %12s\n", "", "tabs", "hookctl CPU", "postgres CPU", "latency p50", "latency max")
	for _, s := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		for t.n < n {
			if err := t.open(ctx, url); err != nil {
				return err
			}
		}
		time.Sleep(3 * time.Second) // the new tabs' first reads and re-reads
		c0, _ := proccpu.Process(pid, false)
		p0 := proccpu.PostgresServer()
		time.Sleep(dur)
		c1, _ := proccpu.Process(pid, false)
		p1 := proccpu.PostgresServer()
		pg := "-"
		if pgCPU && p1 > 0 {
			pg = fmt.Sprintf("%.2f s", (p1 - p0).Seconds())
		}
		var lat []time.Duration
		for i := range samples {
			time.Sleep(time.Duration(rand.Int64N(int64(500 * time.Millisecond))))
			// The row shows its URL's path: the token tells it, set
			// before the commit, so no tab can read it unwatched.
			token := fmt.Sprintf("lt%dx%dx%d", n, i, rand.IntN(1e6))
			t.mu.Lock()
			t.want = token
			t.mu.Unlock()
			d := &store.Delivery{URL: "http://127.0.0.1:9/" + token, Scheme: "bond", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				Status: store.DeliveryFailed, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s", LastStatus: 500, LastError: "HTTP 500"}
			ev := &store.Event{ID: fmt.Sprintf("evt_livetabs_%d_%d_%d", time.Now().UnixNano(), n, i), Type: "card.created", Provider: "bond",
				Payload: []byte(`{}`), ContentType: "application/json"}
			start := time.Now()
			if err := st.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
				return err
			}
			var got []time.Duration
			timeout := time.After(30 * time.Second)
			for len(got) < t.n {
				select {
				case at := <-t.seen:
					got = append(got, at.Sub(start))
				case <-timeout:
					return fmt.Errorf("%d of %d tabs got the row in 30 s", len(got), t.n)
				}
			}
			lat = append(lat, got...)
		}
		slices.Sort(lat)
		fmt.Printf("%-16s %5d %14s %14s %12s %12s\n", label, n, fmt.Sprintf("%.2f s", (c1-c0).Seconds()), pg,
			lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}
	return nil
}
