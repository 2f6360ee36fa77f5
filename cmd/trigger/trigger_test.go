package trigger

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

func TestTriggerFlags(t *testing.T) {
	tests := []struct {
		args  []string
		err   string
		check func(*Options) string
	}{
		{args: []string{"card.created"}, check: func(o *Options) string {
			if o.Count != 1 || o.Concurrency != 8 || o.Duplicate != 1 || o.Timeout != 10*time.Second || o.Wait != 0 {
				return "bad defaults"
			}
			return ""
		}},
		{args: []string{"card.created", "--url", "3000/hooks", "--scheme", "stripe", "--secret", "whsec_x", "-H", "X-A: 1", "--header", "X-B:2"}, check: func(o *Options) string {
			if o.URL != "http://localhost:3000/hooks" || o.Scheme != "stripe" || o.Headers["X-A"] != "1" || o.Headers["X-B"] != "2" {
				return "options not parsed"
			}
			return ""
		}},
		{args: []string{"card.created", "--count", "5", "-c", "3", "--duplicate", "2", "--wait", "2s", "--retry-profile", "svix", "--time-scale", "100"}, check: func(o *Options) string {
			if o.Count != 5 || o.Concurrency != 3 || o.Duplicate != 2 || o.Wait != 2*time.Second || o.Retry.Profile != "svix" || o.Retry.TimeScale != 100 {
				return "options not parsed"
			}
			return ""
		}},
		{args: []string{}, err: "accepts 1 arg"},
		{args: []string{"x", "--count", "0"}, err: "invalid --count 0"},
		{args: []string{"x", "--duplicate", "0"}, err: "invalid --duplicate 0"},
		{args: []string{"x", "--url", "http://a", "--subscription", "b"}, err: "cannot be used together"},
		{args: []string{"x", "--secret", "s"}, err: "--secret needs --url"},
		{args: []string{"x", "--url", "ftp://a"}, err: "want http:// or https://"},
		{args: []string{"x", "--url", "http://a", "--scheme", "rot13"}, err: `unknown signature scheme "rot13"`},
		{args: []string{"x", "--header", "nocolon"}, err: "malformed header \"nocolon\": missing ':'"},
		{args: []string{"x", "--timeout", "0s"}, err: "invalid --timeout"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := ui.Test()
			var got *Options
			c := newCmd(&cli.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			c.SetArgs(tt.args)
			c.SilenceErrors, c.SilenceUsage = true, true
			err := c.Execute()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(got); msg != "" {
				t.Errorf("%s: %+v", msg, got)
			}
		})
	}
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"3000":                       "http://localhost:3000",
		"localhost:3000/webhooks":    "http://localhost:3000/webhooks",
		"https://example.test/h?x=1": "https://example.test/h?x=1",
		// a scheme is case-insensitive (RFC 3986): check HTTP://… was refused
		"HTTP://127.0.0.1:3000/hook": "http://127.0.0.1:3000/hook",
		"Https://example.test/H":     "https://example.test/H",
	} {
		if got, err := NormalizeURL(in, "--url"); err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// --header is refused, not mangled on the wire, when its value has a line
// break (it was sent with CR LF turned into spaces) or its name is not a
// token or a header hookctl sets.
func TestParseHeaders(t *testing.T) {
	for _, bad := range []string{"X-A: b\r\nX-Evil: 1", "X-A: b\nc", "Bad(Name): 5", "X-A: a\x01b", "X-A: a\x7fb", "Host: evil", "Content-Length: 5", "NoColon"} {
		if h, err := subscription.ParseHeaders([]string{bad}); err == nil {
			t.Errorf("ParseHeaders(%q) = %v, want an error", bad, h)
		}
	}
	h, err := subscription.ParseHeaders([]string{"x-run: 7", "Authorization: Bearer a:b", "X-Tab: a\tb"})
	if err != nil || h["X-Run"] != "7" || h["Authorization"] != "Bearer a:b" || h["X-Tab"] != "a\tb" {
		t.Errorf("ParseHeaders = %v, %v", h, err)
	}
}

// The summary's rate counts deliveries that ended, not those left pending
// by Ctrl-C or --wait: 552 delivered of 1,281 in 3 s was shown as 424/s.
func TestSummaryLineRate(t *testing.T) {
	got := summaryLine(delivery.Counts{Total: 1281, Succeeded: 552, Pending: 729}, 3*time.Second)
	if !strings.Contains(got, "(3s, 184/s)") {
		t.Errorf("summary %q, want the rate of the 552 delivered: 184/s", got)
	}
	got = summaryLine(delivery.Counts{Total: 300, Succeeded: 250, Failed: 50}, 2*time.Second)
	if !strings.Contains(got, "(2s, 150/s)") {
		t.Errorf("summary %q, want 150/s", got)
	}
}
