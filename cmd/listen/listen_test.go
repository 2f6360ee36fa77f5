package listen

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/ui"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios, Now: time.Now}
	var got *Options
	c := newCmd(f, func(o *Options) error { got = o; return nil })
	c.SetArgs(args)
	c.SilenceErrors, c.SilenceUsage = true, true
	err := c.Execute()
	return got, err
}

func TestFlags(t *testing.T) {
	o, err := parse(t, "--forward", "3000/webhooks", "--port", "0", "--events", "card.*, kyc.*", "-H", "Authorization: Bearer x",
		"--max-body", "512KiB", "--scheme", "stripe", "--secret", "whsec_a", "--secret", "whsec_b", "--keep", "--timeout", "3s")
	if err != nil {
		t.Fatal(err)
	}
	if o.Target.String() != "http://localhost:3000/webhooks" || o.Port != 0 || o.Host != "127.0.0.1" ||
		strings.Join(o.Events, "|") != "card.*|kyc.*" || o.Headers.Get("Authorization") != "Bearer x" ||
		o.MaxBody != 512<<10 || o.Scheme != "stripe" || len(o.Secrets) != 2 || !o.Keep || o.Timeout != 3*time.Second {
		t.Fatalf("options = %+v", o)
	}
	o, err = parse(t)
	if err != nil || o.Target != nil || o.Port != 8787 || o.MaxBody != 1<<20 || strings.Join(o.Events, ",") != "*" {
		t.Fatalf("defaults = %+v, %v", o, err)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--forward", "ftp://x"}, "invalid forward target"},
		{[]string{"--forward", "99999"}, "invalid forward port 99999"},
		{[]string{"--port", "70000"}, "invalid --port 70000"},
		{[]string{"--scheme", "stipe"}, `unknown signature scheme "stipe"`},
		{[]string{"-H", "NoColon"}, `invalid --header "NoColon"`},
		{[]string{"--max-body", "lots"}, `invalid --max-body "lots"`},
		{[]string{"--timeout", "0s"}, "invalid --timeout"},
		// Forwarded to itself, each event would come back, 256 deep.
		{[]string{"--port", "9000", "--forward", "9000"}, "the forward target http://localhost:9000 is this listen itself"},
		{[]string{"--forward", "127.0.0.1:8787/webhooks"}, "the forward target http://127.0.0.1:8787/webhooks is this listen itself"},
		// A provider secret that can match nothing is refused at start,
		// not by every one of its requests.
		{[]string{"--scheme", "standard", "--secret", "not base64!"}, "--secret: standard: the secret must be whsec_ followed by base64"},
		{[]string{"--scheme", "standard-ed25519", "--secret", "whsec_abc"}, "--secret: standard-ed25519: the key must be whsk_"},
		{[]string{"--secret", " whsec_abc"}, "--secret: auto: the secret has leading or trailing whitespace"},
		// The inspector has no login: loopback only.
		{[]string{"--ui", "0.0.0.0:4040"}, "invalid --ui: the inspector serves loopback addresses only"},
		{[]string{"--ui=192.168.1.5:4040"}, "invalid --ui: the inspector serves loopback addresses only"},
	} {
		_, err := parse(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.args, err, tc.want)
			continue
		}
		if ee, ok := err.(*cli.ExitError); !ok || ee.Code != cli.ExitUsage {
			t.Errorf("%v: %T %v, want a usage error", tc.args, err, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "1MiB": 1 << 20, "5mb": 5 << 20, "512KiB": 512 << 10, "2k": 2048, "1GiB": 1 << 30, "100b": 100} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1MiB", "MiB", "1.5MiB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

// Stripe CLI habits: --forward-to is --forward, --skip-verify exists, and
// an unknown flag gets a did-you-mean.
func TestStripeHabits(t *testing.T) {
	o, err := parse(t, "--forward-to", "localhost:4242/webhook", "--skip-verify", "--events", "card.created")
	if err != nil {
		t.Fatal(err)
	}
	if o.Target.String() != "http://localhost:4242/webhook" || !o.SkipVerify || strings.Join(o.Events, ",") != "card.created" {
		t.Fatalf("options = %+v", o)
	}
	for _, tc := range []struct {
		flag, hint string
	}{
		{"--forwad", `did you mean "--forward"?`},
		{"--forward-too=3000", `did you mean "--forward"?`},
		{"--skip-verfy", `did you mean "--skip-verify"?`},
		{"--evnts", `did you mean "--events"?`},
	} {
		_, err := parse(t, tc.flag, "x")
		ee, ok := err.(*cli.ExitError)
		if !ok || ee.Code != cli.ExitUsage || !strings.Contains(err.Error(), "unknown flag") {
			t.Fatalf("%s: %T %v", tc.flag, err, err)
		}
		if !slices.Contains(ee.Hints, tc.hint) {
			t.Errorf("%s: hints %q, want %q", tc.flag, ee.Hints, tc.hint)
		}
	}
	_, err = parse(t, "--zzzzzz")
	if ee, ok := err.(*cli.ExitError); !ok || len(ee.Hints) != 1 || !strings.Contains(ee.Hints[0], "--help") {
		t.Fatalf("no close flag: %v %+v", err, ee)
	}
}

func TestLimitsNote(t *testing.T) {
	if got := limitsNote(listen.Stats{}, httplimit.Stats{}); got != "" {
		t.Fatalf("nothing happened: %q", got)
	}
	got := limitsNote(listen.Stats{Busy: 3, TooLarge: 1, Filtered: 2, RejectedUnkept: 7}, httplimit.Stats{RejectedConns: 5, RejectedPerIP: 1, BadFraming: 1, HeaderTooLarge: 2})
	want := "Also: 6 connections turned away (too many at once); 3 requests answered 503 busy (too many bodies in flight); 1 body over --max-body; 1 malformed request refused; 2 requests with headers over 64 KiB answered 431; 2 events not in --events (answered 200, not forwarded); 7 rejected requests not recorded (at most 100 at once, 20 a second, 1000 a run are kept)."
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestUnrecordedWarningAgrees(t *testing.T) {
	if got := unrecordedWarning(1); got != "hookctl: warning: 1 request could not be recorded and was answered 503 (its sender retries it)" {
		t.Errorf("1: %q", got)
	}
	if got := unrecordedWarning(3); !strings.HasPrefix(got, "hookctl: warning: 3 requests could not be recorded and were answered 503") {
		t.Errorf("3: %q", got)
	}
}
