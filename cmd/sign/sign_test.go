package sign

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	t.Setenv("HOOKCTL_SECRET", "")
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios, Now: func() time.Time { return time.Unix(1700000000, 0) }}
	var got *Options
	c := newCmd(f, func(o *Options) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	err := c.Execute()
	return got, err
}

func TestFlagsToOptions(t *testing.T) {
	o, err := parse(t, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--secret", "whsec_plJ3nmyCDGBKInavdOK15jsl", "--timestamp", "2021-02-25T15:02:10Z", "--id", "msg_1", "--format", "curl", "--event", "push")
	if err != nil {
		t.Fatal(err)
	}
	if o.Scheme.Name() != "standard" || len(o.Secrets) != 2 || o.Timestamp.Unix() != 1614265330 || o.ID != "msg_1" || o.Format != FormatCurl || o.EventType != "push" {
		t.Errorf("got %+v", o)
	}
	o, err = parse(t, "--scheme", "Stripe", "--secret", "whsec_test_secret")
	if err != nil || o.Scheme.Name() != "stripe" || o.Timestamp.Unix() != 1700000000 || o.Format != FormatHeaders {
		t.Errorf("got %+v, %v", o, err)
	}
}

func TestFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--scheme", "nope", "--secret", "x"}, `unknown signature scheme "nope"`},
		{[]string{"--scheme", "auto", "--secret", "x"}, "only makes sense for verify"},
		{[]string{"--scheme", "standard", "--secret", "whsec_!!"}, "whsec_ followed by base64"},
		{[]string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--timestamp", "x"}, `invalid time "x"`},
		{[]string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--format", "xml"}, `invalid --format "xml"`},
		{[]string{"--secret", "a", "--secret-file", "b"}, "not both"},
		{[]string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "extra"}, `unexpected argument "extra"`},
		// they go into headers: a line break printed a header never asked for
		{[]string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id", "a\nX-Evil: 1"}, `invalid --id "a\nX-Evil: 1"`},
		{[]string{"--scheme", "github", "--secret", "x", "--event", "push\r\nX: 1"}, "cannot contain a line break"},
	}
	for _, c := range cases {
		_, err := parse(t, c.args...)
		var ee *cli.ExitError
		if !errors.As(err, &ee) || ee.Code != cli.ExitUsage || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: got %v, want exit 2 with %q", c.args, err, c.msg)
		}
	}
}

func TestRunFormats(t *testing.T) {
	for format, want := range map[string]string{
		FormatHeaders: "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek\nwebhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\nwebhook-timestamp: 1614265330\n",
		FormatCurl:    "-H 'webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek' -H 'webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' -H 'webhook-timestamp: 1614265330'\n",
	} {
		ios, in, out, _ := ui.Test()
		in.WriteString(`{"test": 2432232314}`)
		o, err := parse(t, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330", "--format", format)
		if err != nil {
			t.Fatal(err)
		}
		o.IO = ios
		if err := run(o); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s:\n got %q\nwant %q", format, out.String(), want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("got %s", got)
	}
}
