package verify

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/ui"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	t.Setenv("HOOKCTL_SECRET", "")
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios, Now: func() time.Time { return time.Unix(1614265330, 0) }}
	var got *Options
	c := newCmd(f, func(o *Options) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	return got, c.Execute()
}

func TestFlagsToOptions(t *testing.T) {
	o, err := parse(t, "--secret", "s1", "-H", "Stripe-Signature: t=1,v1=ab,v1=cd", "--header", "X-Other:  spaced value ", "--now", "1614265000", "--tolerance", "10m")
	if err != nil {
		t.Fatal(err)
	}
	if o.Scheme != "auto" || o.Secrets[0] != "s1" || o.Now.Unix() != 1614265000 || o.Tolerance != 10*time.Minute {
		t.Errorf("got %+v", o)
	}
	// The comma-separated Stripe header stays one value (not a string slice).
	if o.Header.Get("Stripe-Signature") != "t=1,v1=ab,v1=cd" || o.Header.Get("X-Other") != "spaced value" {
		t.Errorf("headers %v", o.Header)
	}
	o, err = parse(t, "--scheme", "github", "--secret", "s", "--ignore-timestamp")
	if err != nil || o.Scheme != "github" || o.Tolerance != signature.NoTolerance || o.Now.Unix() != 1614265330 {
		t.Errorf("got %+v %v", o, err)
	}
}

func TestFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--scheme", "nope", "--secret", "x"}, `unknown signature scheme "nope"`},
		{[]string{"--secret", "x", "-H", "no colon"}, `invalid header "no colon"`},
		{[]string{"--secret", "x", "-H", ": empty name"}, `invalid header`},
		{[]string{"--secret", "x", "--now", "later"}, `invalid time "later"`},
		{[]string{"--secret", "x", "--tolerance=-1s"}, "must not be negative"},
		{[]string{"--secret", "x", "--tolerance", "0"}, "--tolerance must be positive"},
		{[]string{"--secret", "x", "--tolerance", "1m", "--ignore-timestamp"}, "not both"},
		{[]string{"--header-file", "/nonexistent/h.txt", "--secret", "x"}, "reading --header-file"},
		{[]string{}, "a secret is required"},
	}
	for _, c := range cases {
		_, err := parse(t, c.args...)
		var ee *cli.ExitError
		if !errors.As(err, &ee) || ee.Code != cli.ExitUsage || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: got %v, want exit 2 with %q", c.args, err, c.msg)
		}
	}
}

func TestRunReasonsAndExitCodes(t *testing.T) {
	good := []string{"-H", "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek", "-H", "webhook-timestamp: 1614265330", "-H", "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
	cases := []struct {
		body   string
		args   []string
		code   int
		stdout string
		errMsg string
	}{
		{`{"test": 2432232314}`, good, 0, "valid\n", ""},
		{`{"test": 2432232314}` + "\n", good, 1, "", "no matching signature"},
		{`{"test": 2432232314}`, append([]string{"--now", "1614275330"}, good...), 1, "", "otherwise valid"},
		{`{"test": 2432232314}`, append([]string{"--scheme", "stripe"}, good...), 1, "", `missing header "Stripe-Signature"`},
		{`{"test": 2432232314}`, []string{"-H", "Content-Type: application/json"}, 1, "", "no signature header found"},
	}
	for _, c := range cases {
		o, err := parse(t, append([]string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, c.args...)...)
		if err != nil {
			t.Fatal(err)
		}
		ios, in, out, _ := ui.Test()
		in.WriteString(c.body)
		o.IO = ios
		err = run(o)
		code := 0
		var ee *cli.ExitError
		if errors.As(err, &ee) {
			code = ee.Code
		}
		if code != c.code || out.String() != c.stdout || (c.errMsg != "" && !strings.Contains(err.Error(), c.errMsg)) {
			t.Errorf("%v: code %d, stdout %q, err %v", c.args, code, out.String(), err)
		}
	}
}
