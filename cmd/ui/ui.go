// Package ui implements `hookctl ui`: the web inspector over the store,
// served alone.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	iostreams "github.com/hookctl/hookctl/internal/ui"
	"github.com/hookctl/hookctl/internal/web"
)

// Options are the parsed flags of `hookctl ui`.
type Options struct {
	Factory *cli.Factory
	IO      *iostreams.IOStreams
	Addr    string
	NoOpen  bool
	// StoreWait: how long to wait at start for a store server that
	// cannot be reached yet (--store-wait).
	StoreWait time.Duration
	// FixturesDir: custom event fixtures (--fixtures, config
	// fixtures_dir), the types the Trigger and Subscriptions pages offer.
	FixturesDir string
	// Open opens a URL in the browser (tests replace it).
	Open func(url string) error
}

// NewCmd returns `hookctl ui`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, Open: openBrowser}
	c := &cobra.Command{
		Use:   "ui [flags]",
		Short: "Open the web inspector: live log, replay, edit and resend, diff",
		Long: `Serve the web inspector for the store on 127.0.0.1 (the next free port when
--addr's is taken): every event, delivery and attempt live, the signature
verdict and the app's answer, replay, edit and resend, diff, copy as curl,
subscriptions and trigger. It also runs the delivery worker for the store
(like hookctl worker), so what you replay or send from the page goes out.
On a desktop it opens the browser, when run from a terminal and unless
--no-open or -o json; Ctrl-C stops.`,
		Example: `  hookctl ui
  hookctl ui --addr 127.0.0.1:5050 --no-open
  hookctl ui --store postgres://localhost/hookctl`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if err := cli.NonEmptyFlags(c, "fixtures"); err != nil {
				return err
			}
			if _, _, err := net.SplitHostPort(opts.Addr); err != nil {
				return cli.Usagef("invalid --addr %q: want host:port", opts.Addr).Hint("e.g. --addr 127.0.0.1:4040")
			}
			if err := web.CheckAddr(opts.Addr); err != nil {
				return cli.WithCode(cli.ExitUsage, fmt.Errorf("invalid --addr: %w", err)).Hint("e.g. --addr 127.0.0.1:4040")
			}
			if err := cli.CheckStoreWait(opts.StoreWait); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Addr, "addr", web.DefaultAddr, "serve on `host:port` (the next free port when taken)")
	fl.BoolVar(&opts.NoOpen, "no-open", false, "do not open the browser")
	// The event types trigger and subscribe know: a fixtures_dir type
	// was missing from the Trigger and Subscriptions pages.
	catalog.RegisterFixturesFlag(fl, &opts.FixturesDir)
	cli.AddStoreWaitFlag(fl, &opts.StoreWait)
	return c
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	// The inspector records too (subscribe and trigger from the page), so
	// it creates a store it is given; a new one is said so, not passed
	// off as an empty history (a typo in --store).
	missing := opts.Factory.MissingStore()
	// A fixture that does not load is bad usage, said before the store
	// is opened or waited for.
	cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
	if err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	// A PostgreSQL server not accepting connections yet is waited for,
	// up to --store-wait.
	opts.Factory.WaitForStore(opts.StoreWait)
	st, err := opts.Factory.Store(ctx)
	if err != nil {
		return err
	}
	if missing != "" {
		fmt.Fprintf(ios.ErrOut, "hookctl: warning: no store at %s: created a new, empty one (check --store or HOOKCTL_STORE if you meant another)\n", missing)
	}
	// The page's actions (subscribe, trigger, replay, edit) write: once
	// the store file is deleted or replaced they fail, naming it, instead
	// of going into the deleted file and vanishing with the process.
	store.GuardWrites(st)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// Its worker says on stderr, once, when the store goes away and when
	// it is back (as serve and worker say it).
	url, stopServer, err := web.Start(ctx, opts.Addr, web.Config{Store: st, Catalog: cat, Version: opts.Factory.Version,
		StoreNotice: &delivery.StoreNotice{W: ios.ErrOut, Patience: 10 * time.Minute}})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return cli.Envf("cannot serve on %s: %v", opts.Addr, err).Hint("pick another address with --addr 127.0.0.1:PORT")
		}
		return cli.Envf("cannot serve the inspector: %v", err)
	}
	WarnPortTaken(ios.ErrOut, opts.Addr, url)
	if ios.JSON() {
		// The same ready line as listen's and serve's: kind, url, port.
		if err := iostreams.WriteJSONLine(ios.Out, readyJSON{Kind: "ready", URL: url, Port: urlPort(url)}); err != nil {
			return err
		}
	} else if !ios.IsStdoutTTY() || !ios.IsStderrTTY() {
		// For a script (piped stdout), or a terminal that does not get
		// the line below (stderr elsewhere): on a terminal that does,
		// the URL was shown twice.
		fmt.Fprintln(ios.Out, url)
	}
	fmt.Fprintf(ios.ErrOut, "Inspector at %s (^C to stop)\n", url)
	if shouldOpen(opts) {
		if err := opts.Open(url); err != nil {
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: cannot open the browser (%v); open %s yourself\n", err, url)
		}
	}
	<-ctx.Done()
	// The worker finishes its attempts in flight and records them; with
	// the store away, it waits for it (StoreNotice above) rather than
	// lose them: said, so a stop that takes a while is not a hang.
	// Muted, as serve's and listen's.
	fmt.Fprintln(ios.ErrOut, ios.ErrStyles().Muted.Render("Shutting down: finishing what is in flight… (^C again to quit at once)"))
	stopServer()
	fmt.Fprintln(ios.ErrOut, "Inspector stopped")
	return nil
}

// WarnPortTaken says on w when the inspector asked for at addr serves at
// url, another port (web.Start moves on to the next free one): a second
// ui or listen --ui (over another store) moved silently, and the tab or
// bookmark at the first port showed the other one's store as if it were
// this one's. Port 0 asked for any.
func WarnPortTaken(w io.Writer, addr, url string) {
	if _, want, err := net.SplitHostPort(addr); err == nil && want != "0" && want != strconv.Itoa(urlPort(url)) {
		fmt.Fprintf(w, "hookctl: warning: %s is taken (another inspector, perhaps over another store): this one is at %s\n", addr, url)
	}
}

// shouldOpen: the browser opens for a person at a terminal on a desktop,
// never for a script — -o json, or stdout not a terminal (a CI job, a test
// harness, ui in the background with its output in a file) — nor with
// --no-open. It opened on every macOS and Windows run, scripts included.
func shouldOpen(opts *Options) bool {
	return !opts.NoOpen && !opts.IO.JSON() && opts.IO.IsStdoutTTY() && desktop()
}

// desktop reports whether a browser can be opened here.
func desktop() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}

type readyJSON struct {
	Kind string `json:"kind"`
	URL  string `json:"url"`
	Port int    `json:"port"`
}

// urlPort is the port of the inspector's http://host:port/ URL (0 when it
// has none).
func urlPort(u string) int {
	pu, err := neturl.Parse(u)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(pu.Port())
	return n
}
