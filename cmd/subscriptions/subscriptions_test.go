package subscriptions

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/ui"
)

func execute(t *testing.T, c *cobra.Command, ios *ui.IOStreams, args ...string) error {
	t.Helper()
	c.SetArgs(args)
	c.SetOut(ios.ErrOut)
	c.SetErr(ios.ErrOut)
	return c.Execute()
}

func exitCode(err error) int {
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var ce cli.CodeError
	if errors.As(err, &ce) {
		return ce.ExitCode()
	}
	return 1
}

func TestUpdateFlags(t *testing.T) {
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios}
	var got *UpdateOptions
	c := newUpdateCmd(f, func(o *UpdateOptions) error { got = o; return nil })
	err := execute(t, c, ios, "4f1c", "--url", "http://n", "--add-events", "a.b,c.*", "--remove-events", "x.y",
		"--header", "K: V", "--remove-header", "Old", "--description", "")
	if err != nil {
		t.Fatal(err)
	}
	in := got.Input
	if got.ID != "4f1c" || in.URL == nil || *in.URL != "http://n" || in.Events != nil ||
		!reflect.DeepEqual(in.AddEvents, []string{"a.b", "c.*"}) || !reflect.DeepEqual(in.RemoveEvents, []string{"x.y"}) ||
		!reflect.DeepEqual(in.Headers, []string{"K: V"}) || !reflect.DeepEqual(in.RemoveHeaders, []string{"Old"}) ||
		in.Description == nil || *in.Description != "" || in.Method != nil || in.Scheme != nil {
		t.Errorf("input %+v", in)
	}
	c = newUpdateCmd(f, func(o *UpdateOptions) error { t.Error("ran without changes"); return nil })
	err = execute(t, c, ios, "4f1c")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "nothing to update") {
		t.Errorf("no changes: %v", err)
	}
	// the hint names every flag update takes (it left out --method and
	// --scheme)
	var ee *cli.ExitError
	want := "give at least one of --add-events, --description, --events, --header, --method, --remove-events, --remove-header, --scheme, --url"
	if !errors.As(err, &ee) || len(ee.Hints) != 1 || ee.Hints[0] != want {
		t.Errorf("no changes: %v, want the hint %q", err, want)
	}
	c = newUpdateCmd(f, nil)
	if err := execute(t, c, ios); exitCode(err) != 2 {
		t.Errorf("no ID: %v (exit %d)", err, exitCode(err))
	}
}

func TestDeleteNeedsYesWithoutTerminal(t *testing.T) {
	for _, tc := range []struct {
		tty  bool
		args []string
		ok   bool
	}{
		{false, []string{"4f1c"}, false},
		{false, []string{"4f1c", "--yes"}, true},
		{false, []string{"4f1c", "-y"}, true},
		{true, []string{"4f1c"}, true},
	} {
		ios, _, _, _ := ui.Test()
		ios.SetTTY(tc.tty, tc.tty, tc.tty)
		ran := false
		c := newDeleteCmd(&cli.Factory{IOStreams: ios}, func(o *DeleteOptions) error { ran = true; return nil })
		err := execute(t, c, ios, tc.args...)
		if tc.ok != (err == nil) || ran != tc.ok {
			t.Errorf("tty=%v %v: err %v ran %v", tc.tty, tc.args, err, ran)
		}
		if err != nil && exitCode(err) != 2 {
			t.Errorf("exit %d, want 2", exitCode(err))
		}
	}
}

func TestListStatusFlag(t *testing.T) {
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios}
	var got *ListOptions
	if err := execute(t, newListCmd(f, func(o *ListOptions) error { got = o; return nil }), ios, "--status", "disabled", "--event", "card.created"); err != nil {
		t.Fatal(err)
	}
	if got.Status != "disabled" || got.Event != "card.created" {
		t.Errorf("options %+v", got)
	}
	if err := execute(t, newListCmd(f, nil), ios, "--status", "paused"); exitCode(err) != 2 {
		t.Errorf("bad status: %v", err)
	}
}

// TestRunOnStore drives the commands against a real store: options to
// output and side effects.
func TestRunOnStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	ios, _, out, errOut := ui.Test()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f := &cli.Factory{IOStreams: ios, Now: func() time.Time { return at },
		OpenStore: func(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, path) }}
	defer f.Close()
	st, err := f.Store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:3000/h", Events: []string{"card.*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto", Headers: map[string]string{"B": "2", "A": "1"}}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := execute(t, newGetCmd(f, nil), ios, sub.ID[:5]); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID\t" + sub.ID + "\n", "Secret\twhsec_MfKQ…aSw\n", "Headers\tA: 1; B: 2\n", "Provider\tany\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("get output lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if err := execute(t, newStatusCmd(f, store.StatusDisabled, nil), ios, sub.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetSubscription(ctx, sub.ID); got.Status != store.StatusDisabled {
		t.Errorf("status %s", got.Status)
	}
	out.Reset()
	ios.SetFormat(ui.FormatJSON)
	if err := execute(t, newRotateCmd(f, nil), ios, sub.ID, "--grace", "30m"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetSubscription(ctx, sub.ID)
	if got.PreviousSecret != sub.Secret || !got.PreviousSecretExpiresAt.Equal(at.Add(30*time.Minute)) ||
		!strings.Contains(out.String(), `"secret": "`+got.Secret+`"`) {
		t.Errorf("rotate: %+v\n%s", got, out)
	}
	out.Reset()
	if err := execute(t, newDeleteCmd(f, nil), ios, sub.ID, "--yes"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"deleted": true`)) {
		t.Errorf("delete JSON: %s", out)
	}
	if _, err := st.GetSubscription(ctx, sub.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := execute(t, newGetCmd(f, nil), ios, sub.ID); exitCode(err) != 1 {
		t.Errorf("get deleted: %v", err)
	}
	_ = errOut
}

func TestEventChoices(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := EventChoices(cat)
	has := func(s string) bool {
		for _, g := range got {
			if g == s {
				return true
			}
		}
		return false
	}
	for _, want := range []string{"card.created", "card.*", "card.status.*", "kyc.verification.*", "*"} {
		if !has(want) {
			t.Errorf("choices lack %q", want)
		}
	}
	if got[len(got)-1] != "*" {
		t.Errorf("last choice %q, want *", got[len(got)-1])
	}
}
