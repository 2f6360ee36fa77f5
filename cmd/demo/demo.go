// Package demo implements `hookctl demo`.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	demoapp "github.com/hookctl/hookctl/internal/demo"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of the command.
type Options struct {
	Factory *cli.Factory
	IO      *ui.IOStreams
	// UseStore: --store was given, so the demo writes to that store
	// instead of a temporary one.
	UseStore bool
}

// NewCmd returns the command.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, IO: f.IOStreams}
	return &cobra.Command{
		Use:   "demo",
		Short: "A self-contained tour: receiver, listen, trigger, retry, replay",
		Long: `Run a tour of hookctl that needs nothing else running: it starts a small
sample app (which verifies signatures itself and fails the first attempt of
one event on purpose), runs 'hookctl listen' forwarding to it, triggers events
from several providers, shows a retry succeed, a tampered request rejected
and a replay, prints the commands to do each step by hand, and cleans up.

It uses a temporary store and removes it afterwards, unless --store is given.`,
		Example: `  hookctl demo
  hookctl demo --store ./demo.db`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if fl := c.Flag("store"); fl != nil && fl.Changed {
				opts.UseStore = true
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
}

// prefixWriter indents each line written to it (the listener's log inside
// the tour), one Write per line so lines never interleave.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	before func() // if set, runs before each write (the listener's log first)
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.before != nil {
		p.before()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		if _, err := p.w.Write(append([]byte(p.prefix), line...)); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// The events of the tour: one per provider; the app fails the first
// attempt of the SaaS one.
var tour = []struct{ typ, provider string }{
	{"card.created", "bond"},
	{"mono.events.account_updated", "mono"},
	{"payment.succeeded", "saas"},
}

const failType = "payment.succeeded"

func run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	st0 := opts.IO.Styles()
	out := opts.IO.Out
	asJSON := opts.IO.JSON()
	if asJSON {
		// stdout carries JSON lines only (a ready line, then a summary);
		// the tour goes to stderr.
		out = opts.IO.ErrOut
	}
	step := func(n int, title string) {
		fmt.Fprintf(out, "\n%s %s\n", st0.Title.Render(fmt.Sprintf("Step %d/5", n)), st0.Bold.Render(title))
	}
	// On a terminal the tour's sentences are wrapped to its width (a
	// line longer than the terminal broke mid-word at its edge and went
	// on at column 0); piped, lines stay as written.
	width := 0
	if !asJSON {
		width = opts.IO.StdoutWidth()
	}
	wrap := func(indent string, lines ...string) {
		if width > 2*len(indent)+20 {
			lines = strings.Split(ansi.Wordwrap(strings.Join(lines, " "), width-len(indent), ""), "\n")
		}
		for _, l := range lines {
			fmt.Fprintf(out, "%s%s\n", indent, l)
		}
	}
	say := func(format string, args ...any) { wrap("  ", fmt.Sprintf(format, args...)) }
	// show writes a line that is not a sentence (a command, a row) as it is.
	show := func(format string, args ...any) { fmt.Fprintf(out, "  "+format+"\n", args...) }
	cmd := func(s string) string { return st0.Muted.Render("$ " + s) }
	start := time.Now()

	// The store: a temporary one unless --store.
	var st store.Store
	var err error
	tmp := ""
	if opts.UseStore {
		st, err = f.Store(ctx)
	} else {
		tmp, err = os.MkdirTemp("", "hookctl-demo-")
		if err != nil {
			return cli.Envf("creating a temporary directory: %v", err)
		}
		defer os.RemoveAll(tmp)
		st, err = f.OpenStore(ctx, filepath.Join(tmp, "demo.db"))
		if err == nil {
			defer st.Close()
		}
	}
	if err != nil {
		return err
	}
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		return err
	}

	fmt.Fprintln(out, st0.Title.Render("hookctl demo")+" — a webhook round trip on your machine, nothing else needed")
	if tmp != "" {
		say("%s", st0.Muted.Render("(a temporary store is used and removed at the end; pass --store to keep it)"))
	}

	// 1. the app
	step(1, "Your app")
	app, err := demoapp.NewApp(failType)
	if err != nil {
		return cli.Envf("starting the sample app: %v", err)
	}
	defer app.Close()
	wrap("  ", fmt.Sprintf("A sample app listens on %s. Like your handler should, it verifies", st0.URL.Render(app.URL())),
		fmt.Sprintf("each signature itself and ignores duplicates. It fails the first attempt of %s on purpose.", st0.EventType.Render(failType)))

	// 2. listen
	step(2, "hookctl listen: verify and forward to the app")
	target, _ := url.Parse(app.URL())
	logw := &prefixWriter{w: out, prefix: "  " + st0.Muted.Render("listen │") + " "}
	l, err := listen.Start(ctx, listen.Options{Port: 0, Target: target, Store: st, Out: logw, JSON: false,
		Timeout: 5 * time.Second, Now: f.Now,
		OnRecordError: func(err error) { fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: could not record: %v\n", err) }})
	if err != nil {
		return err
	}
	listening := true
	defer func() {
		if listening {
			l.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	app.SetSecrets(l.Sub.Secret)
	if asJSON {
		if err := ui.WriteJSONLine(opts.IO.Out, demoReady{Kind: "ready", URL: l.URL(), Port: l.Port(), Secret: l.Sub.Secret,
			SubscriptionID: l.Sub.ID, AppURL: app.URL()}); err != nil {
			return err
		}
	}
	show("%s", cmd("hookctl listen --forward "+strings.TrimPrefix(app.URL(), "http://")))
	wrap("  ", fmt.Sprintf("Listening on %s. It registered itself as a subscription for all events;", st0.URL.Render(l.URL())),
		fmt.Sprintf("its signing secret (the one your app checks) is %s.", st0.Secret.Render(l.Sub.Secret)))

	// 3. trigger
	step(3, "hookctl trigger: signed events from three providers, with retries")
	for _, ev := range tour {
		show("%s", cmd("hookctl trigger "+ev.typ))
	}
	runID := delivery.NewRunID()
	// The listener logs a forward once it has answered, so trigger may
	// hear the answer first: its lines wait for the listener's.
	trw := &prefixWriter{w: out, prefix: "  " + st0.Muted.Render("trigger│") + " ", before: l.FlushLog}
	rep := &delivery.Reporter{W: trw}
	e := delivery.New(st, delivery.Config{Timeout: 5 * time.Second, Concurrency: 4, Version: f.Version, RunID: runID, OnResult: rep.Attempt})
	sched, _ := delivery.ParseSchedule("0s,300ms,1s")
	plan := delivery.Plan{Schedule: sched, RunID: runID}
	produce := func(ctx context.Context, add func(int)) error {
		for _, t := range tour {
			et, err := cat.Lookup(t.typ, t.provider)
			if err != nil {
				return err
			}
			built, err := cat.Build(et, catalog.BuildOptions{Now: catalog.DistinctTime(f.Now())})
			if err != nil {
				return err
			}
			ev := &store.Event{ID: built.ID, Type: built.Type, Provider: built.Provider, Payload: built.Body,
				ContentType: built.ContentType, Source: store.SourceTriggered}
			d := plan.NewDelivery(l.Sub, f.Now())
			if err := e.Enqueue(ctx, []*store.Event{ev}, [][]*store.Delivery{{d}}); err != nil {
				return err
			}
			rep.Event(ev, 1)
			add(1)
			// One at a time keeps the tour readable.
			for ctx.Err() == nil {
				got, err := st.GetDelivery(ctx, d.ID)
				if err != nil {
					return err
				}
				if got.Status != store.DeliveryPending {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		return nil
	}
	if _, err := delivery.Drive(ctx, e, 15*time.Second, produce); err != nil {
		return err
	}
	counts, err := delivery.CountRun(ctx, st, runID)
	if err != nil {
		return err
	}
	say("%s: %d delivered, %d failed — the %s retry succeeded after the app's 500.",
		st0.Success.Render("Done"), counts.Succeeded, counts.Failed, failType)

	// 4. a tampered request
	step(4, "A tampered request never reaches your app")
	body := []byte(`{"id":"evt_forged","type":"payment.succeeded","data":{"object":{"amount":100000}}}`)
	sc, _ := signature.Lookup("stripe")
	h, _ := sc.Sign(signature.SignInput{Secrets: []string{"whsec_not_the_right_secret"}, Timestamp: f.Now(), Body: body})
	req, _ := http.NewRequestWithContext(ctx, "POST", l.URL()+"/", bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return cli.Failf("sending the tampered request: %v", err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	l.FlushLog() // the listener's "rejected" line belongs to this step
	show("A request signed with the wrong secret got %s %s", st0.Failure.Render(fmt.Sprint(resp.StatusCode)), strings.TrimSpace(string(rb)))

	// 5. replay
	step(5, "hookctl replay: resend what failed, after a fix")
	var failed []*store.Delivery
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(failed) == 0 {
		failed, err = st.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryFailed, SubscriptionID: l.Sub.ID})
		if err != nil {
			return err
		}
		if len(failed) == 0 {
			time.Sleep(30 * time.Millisecond)
		}
	}
	if len(failed) == 0 {
		return cli.Failf("the listener did not record the failed forward")
	}
	say("listen recorded every forward; the app's 500 is a failed delivery:")
	show("%s", cmd("hookctl deliveries list --status failed"))
	// By ID: it is linked to trigger's delivery, whose retry got the
	// event through, so `replay --failed` would leave it out. Each id
	// cut to a prefix unique in the store, as deliveries list shows it:
	// 8 characters could name a delivery of an earlier demo too (--store
	// kept), and the replay command printed failed as ambiguous.
	ids := make([]string, len(failed))
	for i, d := range failed {
		ids[i] = d.ID
	}
	short := cli.ShortDeliveryIDs(ctx, st, ids)
	for i, d := range failed {
		show("  %s  %s  %s  [%d]", short[i], st0.DeliveryStatus(d.Status).Render(d.Status), d.URL, d.LastStatus)
	}
	show("%s", cmd("hookctl replay "+strings.Join(short, " ")))
	rrun := delivery.NewRunID()
	rrep := &delivery.Reporter{W: &prefixWriter{w: out, prefix: "  " + st0.Muted.Render("replay │") + " "}}
	re := delivery.New(st, delivery.Config{Timeout: 5 * time.Second, Concurrency: 2, Version: f.Version, RunID: rrun, OnResult: rrep.Attempt})
	rsch, _ := delivery.ParseSchedule("0s")
	_, err = delivery.Drive(ctx, re, 10*time.Second, func(ctx context.Context, add func(int)) error {
		got, err := st.Requeue(ctx, ids, store.Requeue{ExtraAttempts: 1, Schedule: rsch.String(), RunID: rrun, Now: f.Now()})
		add(len(got))
		return err
	})
	if err != nil {
		return err
	}
	rc, err := delivery.CountRun(ctx, st, rrun)
	if err != nil {
		return err
	}
	say("Replayed %d: %d succeeded (same body and event id, fresh signature; the app saw a duplicate and said 200).", rc.Total, rc.Succeeded)

	// wrap up
	stats, err := l.Shutdown(context.WithoutCancel(ctx))
	listening = false
	if err != nil {
		return err
	}
	var ok, refused, dups int
	for _, r := range app.Received() {
		switch {
		case r.Status == http.StatusOK && r.Duplicate:
			dups++
			ok++
		case r.Status == http.StatusOK:
			ok++
		default:
			refused++
		}
	}
	fmt.Fprintf(out, "\n%s\n", st0.Title.Render("What happened"))
	say("listen received %d requests: %d verified, %d rejected; forwarded %d ok, %d failed.",
		stats.Received, stats.Verified, stats.Rejected, stats.ForwardedOK, stats.ForwardFail)
	say("The app handled %d requests: %d answered 200 (%d duplicate), %d failed on purpose.", len(app.Received()), ok, dups, refused)
	fmt.Fprintf(out, "\n%s\n", st0.Title.Render("Do it by hand"))
	for _, c := range []string{
		"hookctl listen --forward localhost:3000/webhooks   # terminal 1: prints your signing secret",
		"hookctl trigger card.created                       # terminal 2",
		"hookctl trigger payment.succeeded --retry-schedule 0s,1s,5s",
		"hookctl deliveries list --status failed",
		"hookctl replay --failed --yes",
	} {
		show("%s", cmd(c))
	}
	fmt.Fprintln(out)
	wrap("", fmt.Sprintf("%s in %.1fs. Cleaned up: the app and listener are stopped%s.", st0.Success.Render("Demo finished"),
		time.Since(start).Seconds(), map[bool]string{true: " and the temporary store removed", false: ""}[tmp != ""]))
	planned := stats.Rejected == 1 && counts.Failed == 0 && rc.Succeeded == rc.Total && rc.Total > 0
	if asJSON {
		if err := ui.WriteJSONLine(opts.IO.Out, demoSummary{Kind: "summary", OK: planned, Received: stats.Received,
			Verified: stats.Verified, Rejected: stats.Rejected, ForwardedOK: stats.ForwardedOK, ForwardedFailed: stats.ForwardFail, ForwardFailed: stats.ForwardFail,
			AppHandled: len(app.Received()), Replayed: rc.Total, ReplaySucceeded: rc.Succeeded,
			ElapsedMS: time.Since(start).Milliseconds()}); err != nil {
			return err
		}
	}
	if !planned {
		return cli.Failf("the demo did not go as planned (rejected %d, failed %d, replayed %d/%d)", stats.Rejected, counts.Failed, rc.Succeeded, rc.Total)
	}
	return nil
}

// demoReady is the first stdout line of `demo -o json`, like listen's.
type demoReady struct {
	Kind           string `json:"kind"`
	URL            string `json:"url"`
	Port           int    `json:"port"`
	Secret         string `json:"secret"`
	SubscriptionID string `json:"subscription_id"`
	AppURL         string `json:"app_url"`
}

// demoSummary is the last stdout line of `demo -o json`.
type demoSummary struct {
	Kind            string `json:"kind"`
	OK              bool   `json:"ok"`
	Received        int64  `json:"received"`
	Verified        int64  `json:"verified"`
	Rejected        int64  `json:"rejected"`
	ForwardedOK     int64  `json:"forwarded_ok"`
	ForwardedFailed int64  `json:"forwarded_failed"` // named as its pair forwarded_ok
	// ForwardFailed is ForwardedFailed under the name it had first, kept
	// for scripts that read it.
	ForwardFailed   int64 `json:"forward_failed"`
	AppHandled      int   `json:"app_handled"`
	Replayed        int64 `json:"replayed"`
	ReplaySucceeded int64 `json:"replay_succeeded"`
	ElapsedMS       int64 `json:"elapsed_ms"`
}
