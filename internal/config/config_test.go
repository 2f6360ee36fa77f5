package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPrecedence: flags > HOOKCTL_* env > config file > defaults, for
// every layer combination.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config.yaml"), "listen_port: 7000\ntimeout: 3s\nretry_schedule: 0s,1s\noutput: json\n")
	e := map[string]string{"HOOKCTL_CONFIG_DIR": dir, "HOOKCTL_TIMEOUT": "4s", "HOOKCTL_FORWARD": "localhost:9999", "HOME": dir}
	cfg, err := Load(Options{Getenv: env(e)})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.FileExists || cfg.File != filepath.Join(dir, "config.yaml") {
		t.Fatalf("file %q exists=%v", cfg.File, cfg.FileExists)
	}
	for key, want := range map[string]struct{ value, source string }{
		"listen_port":    {"7000", "file"},          // file over default
		"timeout":        {"4s", "env"},             // env over file
		"forward":        {"localhost:9999", "env"}, // env over default
		"listen_host":    {"127.0.0.1", "default"},  // default
		"retry_schedule": {"0s,1s", "file"},         // file
		"output":         {"json", "file"},          // file
		"provider":       {"", "default"},           // unset
	} {
		if got := cfg.Get(key); got != want.value {
			t.Errorf("Get(%s) = %q, want %q", key, got, want.value)
		}
		if got := cfg.Source(key, env(e)); got != want.source {
			t.Errorf("Source(%s) = %q, want %q", key, got, want.source)
		}
	}

	// Flags: an explicit flag beats everything; unset flags are filled.
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	port := fs.Int("port", 8787, "")
	fs.SetAnnotation("port", FlagKeyAnnotation, []string{"listen_port"})
	timeout := fs.Duration("timeout", 0, "")
	forward := fs.String("forward", "", "")
	host := fs.String("listen-host", "0.0.0.0", "")
	schedule := fs.StringSlice("retry-schedule", nil, "")
	unrelated := fs.String("description", "keep", "")
	if err := fs.Parse([]string{"--timeout", "9s"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.ApplyToFlags(fs); err != nil {
		t.Fatal(err)
	}
	if *timeout != 9e9 {
		t.Errorf("explicit flag overridden: timeout %v", *timeout)
	}
	if *port != 7000 {
		t.Errorf("annotated flag from file: port %d", *port)
	}
	if *forward != "localhost:9999" {
		t.Errorf("flag from env: forward %q", *forward)
	}
	if *host != "0.0.0.0" {
		t.Errorf("a key's default replaced the flag's own default: %q", *host)
	}
	if strings.Join(*schedule, "|") != "0s|1s" {
		t.Errorf("slice flag from file: %v", *schedule)
	}
	if *unrelated != "keep" {
		t.Errorf("unrelated flag touched: %q", *unrelated)
	}
}

// A bad value from the environment is reported under the variable that
// holds it, in the words config set uses, with the value meant: it was
// "invalid timeout "soon" from configuration", "strconv.ParseBool: parsing
// "yes"", or no word of the variable at all (a bad value in the file fails
// Load: TestFileKeysAndValuesChecked).
func TestBadValueFromConfig(t *testing.T) {
	for name, tc := range map[string]struct{ val, want, hint string }{
		"timeout":        {"soon", `invalid HOOKCTL_TIMEOUT "soon": want a positive duration such as 10s`, ""},
		"no_color":       {"yes", `invalid HOOKCTL_NO_COLOR "yes": want one of true, false`, ""},
		"provider":       {"strip", `invalid HOOKCTL_PROVIDER "strip": want one of bond,`, `did you mean "stripe"?`},
		"output":         {"JSON", `invalid HOOKCTL_OUTPUT "JSON": want one of table, json`, `did you mean "json"?`},
		"retry_schedule": {"0s,later", `invalid HOOKCTL_RETRY_SCHEDULE "0s,later": want durations separated by commas`, ""},
	} {
		dir := t.TempDir()
		cfg, err := Load(Options{Getenv: env(map[string]string{"HOOKCTL_CONFIG_DIR": dir, "HOOKCTL_" + strings.ToUpper(name): tc.val})})
		if err != nil {
			t.Fatal(err)
		}
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		fs.Duration("timeout", 0, "")
		fs.Bool("no-color", false, "")
		fs.String("provider", "", "")
		fs.String("output", "table", "")
		fs.StringSlice("retry-schedule", nil, "")
		err = cfg.ApplyToFlags(fs)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s=%q: %v, want %q", name, tc.val, err, tc.want)
			continue
		}
		var he interface{ Hints() []string }
		var hints []string
		if errors.As(err, &he) {
			hints = he.Hints()
		}
		if (tc.hint == "") != (len(hints) == 0) || (tc.hint != "" && hints[0] != tc.hint) {
			t.Errorf("%s=%q: hints %q, want %q", name, tc.val, hints, tc.hint)
		}
	}
}

func TestDirectories(t *testing.T) {
	for name, tc := range map[string]struct {
		env             map[string]string
		cfgDir, storeAt string
	}{
		"explicit":  {map[string]string{"HOOKCTL_CONFIG_DIR": "/c", "XDG_CONFIG_HOME": "/x", "XDG_DATA_HOME": "/d", "HOME": "/h"}, "/c", "/d/hookctl/hookctl.db"},
		"xdg":       {map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/hookctl", "/h/.local/share/hookctl/hookctl.db"},
		"home only": {map[string]string{"HOME": "/h"}, "/h/.config/hookctl", "/h/.local/share/hookctl/hookctl.db"},
	} {
		if got := Dir(env(tc.env)); got != tc.cfgDir {
			t.Errorf("%s: Dir = %q, want %q", name, got, tc.cfgDir)
		}
		if got := DefaultStorePath(env(tc.env)); got != tc.storeAt {
			t.Errorf("%s: DefaultStorePath = %q, want %q", name, got, tc.storeAt)
		}
	}
	cfg, err := Load(Options{Getenv: env(map[string]string{"HOME": t.TempDir(), "HOOKCTL_STORE": "postgres://u:pw@h/db"})})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store != "postgres://u:pw@h/db" || cfg.FileExists {
		t.Errorf("store %q exists %v", cfg.Store, cfg.FileExists)
	}
}

func TestExplicitConfigMustExist(t *testing.T) {
	_, err := Load(Options{ExplicitFile: filepath.Join(t.TempDir(), "nope.yaml"), Getenv: env(nil)})
	if !errors.Is(err, ErrConfigNotFound) {
		t.Errorf("err = %v", err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "broken.yaml"), "output: [unclosed\n")
	if _, err := Load(Options{ExplicitFile: filepath.Join(dir, "broken.yaml"), Getenv: env(nil)}); err == nil {
		t.Error("broken YAML accepted")
	}
}

func TestSet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	e := env(map[string]string{"HOOKCTL_CONFIG_DIR": dir})
	cfg, err := Load(Options{Getenv: e})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Set("listen-port", "9000"); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Set("retry_schedule", "0s,5s"); err != nil {
		t.Fatal(err)
	}
	var uk *UnknownKeyError
	if err := cfg.Set("nope", "1"); !errors.As(err, &uk) || uk.ExitCode() != 2 || !strings.Contains(uk.Hints()[0], "listen_port") {
		t.Errorf("unknown key: %v", err)
	}
	st, err := os.Stat(cfg.File)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v %v", st, err)
	}
	again, err := Load(Options{Getenv: e})
	if err != nil {
		t.Fatal(err)
	}
	if again.Get("listen_port") != "9000" || again.Get("retry_schedule") != "0s,5s" || again.Source("listen_port", e) != "file" {
		t.Errorf("reloaded: port %q schedule %q", again.Get("listen_port"), again.Get("retry_schedule"))
	}
}

func TestValidateValue(t *testing.T) {
	good := map[string]string{"output": "json", "no_color": "1", "listen_port": "9000", "timeout": "2s",
		"retry_schedule": "0s, 5s,5m", "retry_profile": "svix", "store": "anything", "forward": "localhost:3000",
		"provider": "github", "scheme": "standard-ed25519"}
	for k, v := range good {
		if err := ValidateValue(k, v); err != nil {
			t.Errorf("ValidateValue(%s, %q): %v", k, v, err)
		}
	}
	bad := map[string]string{"output": "yaml", "no_color": "maybe", "listen_port": "http", "timeout": "-1s",
		"retry_schedule": "0s,soon", "retry_profile": "aws", "listen_host": " ",
		"provider": "nope", "scheme": "hmac"}
	for k, v := range bad {
		err := ValidateValue(k, v)
		var ve *ValueError
		if !errors.As(err, &ve) || ve.ExitCode() != 2 {
			t.Errorf("ValidateValue(%s, %q) = %v, want a ValueError", k, v, err)
		}
	}
	if err := ValidateValue("bogus", "1"); err == nil {
		t.Error("unknown key accepted")
	}
}

// The file: keys in any case, numbers and lists as
// strings; Set keeps the other keys.
func TestFileValues(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("Listen_Port: 9000\nretry_schedule: [0s, 5s, 5m]\noutput: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{ExplicitFile: file, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Get("listen_port"); got != "9000" {
		t.Errorf("listen_port = %q", got)
	}
	if got := c.Get("retry_schedule"); got != "0s,5s,5m" {
		t.Errorf("retry_schedule = %q", got)
	}
	if err := c.Set("listen_port", "9100"); err != nil {
		t.Fatal(err)
	}
	c, err = Load(Options{ExplicitFile: file, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if c.Get("listen_port") != "9100" || c.Get("output") != "json" || c.Source("output", func(string) string { return "" }) != "file" {
		t.Errorf("after Set: listen_port %q output %q", c.Get("listen_port"), c.Get("output"))
	}
	if err := os.WriteFile(file, []byte("output: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{ExplicitFile: file}); err == nil || !strings.Contains(err.Error(), "reading "+file) {
		t.Errorf("bad YAML: %v", err)
	}
}

// A config file key hookctl does not read (a typo, a dash for the
// underscore, a nested key) or a value its key cannot take is an error
// naming the file, with the key meant; they used to be ignored silently
// (outptu: json printed tables) or, for a bad value, reported later under
// a flag the user never typed (invalid --output "yaml"). An empty value
// still leaves its key unset.
func TestFileKeysAndValuesChecked(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	noEnv := func(string) string { return "" }
	for content, want := range map[string]struct{ err, hint string }{
		"outptu: json\n":                  {`unknown config key "outptu"`, `did you mean "output"?`},
		"listen-port: 9000\n":             {`unknown config key "listen-port"`, `did you mean "listen_port"?`},
		"listen:\n  port: 9000\n":         {`unknown config key "listen.port"`, `did you mean "listen_port"?`},
		"output: json\ncolour: red\n":     {`unknown config key "colour"`, "valid keys: "},
		"output: yaml\n":                  {`invalid value "yaml" for output: want one of table, json`, ""},
		"timeout: soon\n":                 {`invalid value "soon" for timeout`, ""},
		"retry_schedule: [0s, later]\n":   {`invalid value "0s,later" for retry_schedule`, ""},
		"provider: strip\nscheme: auto\n": {`invalid value "strip" for provider`, ""},
	} {
		writeFile(t, file, content)
		for _, explicit := range []bool{true, false} {
			o := Options{Getenv: env(map[string]string{"HOOKCTL_CONFIG_DIR": filepath.Dir(file)})}
			if explicit {
				o = Options{ExplicitFile: file, Getenv: noEnv}
			}
			_, err := Load(o)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Config == nil || !strings.HasPrefix(err.Error(), "reading "+file+": "+want.err) {
				t.Errorf("%q (explicit %v): %v, want a FileError %q", content, explicit, err, want.err)
				continue
			}
			var he interface{ Hints() []string }
			if want.hint != "" && (!errors.As(err, &he) || !strings.HasPrefix(he.Hints()[0], want.hint)) {
				t.Errorf("%q: hints %v, want %q first", content, he, want.hint)
			}
		}
	}
	writeFile(t, file, "provider:\nOutput: json\nretry_schedule: [0s, 5s]\n")
	c, err := Load(Options{ExplicitFile: file, Getenv: noEnv})
	if err != nil || c.Get("provider") != "" || c.Get("output") != "json" {
		t.Errorf("a valid file with an empty value: %v", err)
	}
	writeFile(t, file, "output:\ntimeout: ''\n")
	c, err = Load(Options{ExplicitFile: file, Getenv: noEnv})
	if err != nil || c.Get("output") != "table" || c.Get("timeout") != "10s" {
		t.Errorf("empty values: %v, output %q timeout %q, want the defaults", err, c.Get("output"), c.Get("timeout"))
	}
}

// A retry schedule in the config file must not clash with --retry-profile
// or --no-retry given on the command line (flags > env > file): the file's
// value gives way. Between the environment and the file, the environment
// wins the same way.
func TestExclusiveFlagsGiveWay(t *testing.T) {
	newFlags := func() (*pflag.FlagSet, *string, *string) {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		sched := fs.String("retry-schedule", "", "")
		prof := fs.String("retry-profile", "", "")
		fs.Bool("no-retry", false, "")
		_ = fs.SetAnnotation("retry-schedule", FlagExcludesAnnotation, []string{"retry-profile", "no-retry"})
		_ = fs.SetAnnotation("retry-profile", FlagExcludesAnnotation, []string{"retry-schedule", "no-retry"})
		return fs, sched, prof
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config.yaml"), "retry_schedule: 0s,1s\n")
	for name, tc := range map[string]struct {
		env            map[string]string
		args           []string
		sched, profile string
	}{
		"file alone":            {nil, nil, "0s,1s", ""},
		"flag beats file":       {nil, []string{"--retry-profile", "svix"}, "", "svix"},
		"no-retry beats file":   {nil, []string{"--no-retry"}, "", ""},
		"env beats file":        {map[string]string{"HOOKCTL_RETRY_PROFILE": "bond"}, nil, "", "bond"},
		"flag beats env":        {map[string]string{"HOOKCTL_RETRY_PROFILE": "bond"}, []string{"--retry-schedule", "0s"}, "0s", ""},
		"same key: flag stands": {nil, []string{"--retry-schedule", "5s"}, "5s", ""},
	} {
		e := map[string]string{"HOOKCTL_CONFIG_DIR": dir}
		for k, v := range tc.env {
			e[k] = v
		}
		cfg, err := Load(Options{Getenv: env(e)})
		if err != nil {
			t.Fatal(err)
		}
		fs, sched, prof := newFlags()
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if err := cfg.ApplyToFlags(fs); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if *sched != tc.sched || *prof != tc.profile {
			t.Errorf("%s: retry-schedule %q, retry-profile %q; want %q, %q", name, *sched, *prof, tc.sched, tc.profile)
		}
	}
}

func TestExpandHome(t *testing.T) {
	t.Setenv("HOME", "/home/ana")
	for in, want := range map[string]string{
		"~":              "/home/ana",
		"~/team.db":      "/home/ana/team.db",
		"~/a/../b.db":    "/home/ana/b.db",
		"/abs/~/x.db":    "/abs/~/x.db",
		"rel/x.db":       "rel/x.db",
		"~bob/x.db":      "~bob/x.db", // another user's home: left as given
		"":               "",
		"postgres://x/~": "postgres://x/~",
	} {
		if got := ExpandHome(in); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnreadableFileIsAnError: a config.yaml hookctl may not read was
// skipped as if there were none (every setting silently its default).
func TestUnreadableFileIsAnError(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads a file of mode 0000")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("output: json\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOOKCTL_CONFIG_DIR": dir}
	_, err := Load(Options{Getenv: func(k string) string { return env[k] }})
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Load = %v, want a FileError", err)
	}
	if want := "reading " + file + ": permission denied"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
