package configcmd

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/ui"
)

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		args               []string
		action, key, value string
		wantErr            string
	}{
		{args: []string{"list"}, action: "list"},
		{args: []string{"get", "listen-port"}, action: "get", key: "listen-port"},
		{args: []string{"set", "timeout", "3s"}, action: "set", key: "timeout", value: "3s"},
		{args: []string{"path"}, action: "path"},
		{args: []string{"get", "colour"}, wantErr: `unknown config key "colour"`},
		{args: []string{"set", "timeout"}, wantErr: `config set takes 2 arguments (<key> <value>), got "timeout"`},
		{args: []string{"get"}, wantErr: "config get takes 1 argument (<key>), got none"},
	} {
		ios, _, _, _ := ui.Test()
		var got *Options
		c := newCmd(&cli.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
		c.SetArgs(tc.args)
		c.SetOut(ios.ErrOut)
		c.SetErr(ios.ErrOut)
		err := c.Execute()
		if tc.wantErr != "" {
			code := 0
			var ce cli.CodeError
			if errors.As(err, &ce) {
				code = ce.ExitCode()
			}
			var ee *cli.ExitError
			if errors.As(err, &ee) {
				code = ee.Code
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || code != 2 {
				t.Errorf("%v: err %v (exit %d), want %q and exit 2", tc.args, err, code, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		if got.Action != tc.action || got.Key != tc.key || got.Value != tc.value {
			t.Errorf("%v: %+v", tc.args, got)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HOOKCTL_CONFIG_DIR": dir, "HOOKCTL_TIMEOUT": "4s"}
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load(config.Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut := ui.Test()
	opts := &Options{IO: ios, Config: func() *config.Config { return cfg }, Getenv: getenv}
	opts.Action, opts.Key, opts.Value = "set", "listen_port", "9000"
	if err := run(opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), filepath.Join(dir, "config.yaml")) {
		t.Errorf("set message: %s", errOut)
	}
	opts.Action, opts.Key = "set", "timeout"
	opts.Value = "1s"
	if err := run(opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "HOOKCTL_TIMEOUT is set and overrides the file") {
		t.Errorf("no env override hint: %s", errOut)
	}
	opts.Action, opts.Value = "set", "-1s"
	if err := run(opts); err == nil {
		t.Error("negative timeout accepted")
	}
	opts.Action = "list"
	if err := run(opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen_port\t9000\tfile\n", "timeout\t4s\tenv\n", "listen_host\t127.0.0.1\tdefault\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
}
