// Package configcmd implements `hookctl config {list|get|set|path}`.
package configcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed arguments of `hookctl config`.
type Options struct {
	IO     *ui.IOStreams
	Config func() *config.Config
	Getenv func(string) string

	Action string // list | get | set | path
	Key    string
	Value  string

	// Flags are the settings given as flags on this command line (the
	// global --store, -o/--output, --no-color): key → the flag's value,
	// shown from "flag" (flags > env > file > default). The store's
	// value is the resolved store (Config.Store), masked.
	Flags map[string]string
}

// NewCmd returns `hookctl config`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: func() *config.Config { return f.Config }, Getenv: os.Getenv}
	exec := func(action string) func(c *cobra.Command, args []string) error {
		return func(c *cobra.Command, args []string) error {
			opts.Action = action
			opts.Flags = flagKeys(c.Flags())
			if len(args) > 0 {
				opts.Key = args[0]
				if _, ok := config.LookupKey(opts.Key); !ok {
					if action == "unset" && runF == nil {
						// A key that is not a setting, in the file: the
						// typo every other command refuses the file for.
						return unsetUnknown(opts)
					}
					return &config.UnknownKeyError{Name: opts.Key}
				}
			}
			if len(args) > 1 {
				opts.Value = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		}
	}
	completeKeys := func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, k := range config.Keys {
			out = append(out, cobra.CompletionWithDesc(k.Name, k.Description))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	root := &cobra.Command{
		Use:   "config <command>",
		Short: "Show and change settings",
		Long: `Settings come from, in order: command-line flags, HOOKCTL_<KEY> environment
variables, the config file (config.yaml in $HOOKCTL_CONFIG_DIR, else
$XDG_CONFIG_HOME/hookctl, else ~/.config/hookctl), then defaults.

Keys:
` + keyList(),
		Example: `  hookctl config list
  hookctl config set listen_port 9000
  hookctl config unset listen_port
  hookctl config get store
  hookctl config path`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help() // as events and deliveries: a group alone shows its commands
		},
	}
	root.AddCommand(
		&cobra.Command{
			Use:     "list",
			Aliases: []string{"ls"},
			Short:   "Show every setting with its value and where it comes from",
			Example: "  hookctl config list\n  hookctl config list -o json",
			Args:    cli.NoArgs,
			RunE:    exec("list"),
		},
		&cobra.Command{
			Use:               "get <key>",
			Short:             "Print one setting's value",
			Example:           "  hookctl config get store\n  hookctl config get retry_schedule",
			Args:              cli.ExactArgs(1),
			ValidArgsFunction: completeKeys,
			RunE:              exec("get"),
		},
		&cobra.Command{
			Use:     "set <key> <value>",
			Short:   "Write a setting to the config file",
			Example: "  hookctl config set listen_port 9000\n  hookctl config set retry_schedule 0s,5s,5m,30m,2h\n  hookctl config set store postgres://hookctl@localhost/hookctl\n  hookctl config set output ''   # unset: back to the default",
			Args:    cli.ExactArgs(2),
			ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				if len(args) == 1 {
					if v := config.ValueChoices(args[0]); v != nil {
						return v, cobra.ShellCompDirectiveNoFileComp
					}
					return nil, cobra.ShellCompDirectiveDefault
				}
				return completeKeys(c, args, toComplete)
			},
			RunE: exec("set"),
		},
		&cobra.Command{
			Use:               "unset <key>",
			Short:             "Remove a setting from the config file (its default applies again)",
			Example:           "  hookctl config unset retry_schedule\n  hookctl config unset store",
			Args:              cli.ExactArgs(1),
			ValidArgsFunction: completeKeys,
			RunE:              exec("unset"),
		},
		&cobra.Command{
			Use:     "path",
			Short:   "Print the config file's path",
			Example: "  hookctl config path\n  $EDITOR \"$(hookctl config path)\"",
			Args:    cli.NoArgs,
			RunE:    exec("path"),
		},
	)
	if set, _, err := root.Find([]string{"set"}); err == nil && set != root {
		set.SetFlagErrorFunc(setFlagError)
	}
	return root
}

func keyList() string {
	var b strings.Builder
	for _, k := range config.Keys {
		def := ""
		if k.Default != "" {
			def = " (default " + k.Default + ")"
		}
		// Wrapped to the 80 columns the help's other paragraphs keep to,
		// under the description.
		b.WriteString(ui.Wrap(fmt.Sprintf("  %-15s %s%s", k.Name, k.Description, def), 80, strings.Repeat(" ", 18)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

type entry struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Source      string `json:"source"`
	Description string `json:"description"`
}

// MarshalJSON writes a boolean key's value (no_color) as a JSON boolean,
// every other value as the string it is. HTML characters are not escaped
// (a store URL's &), as ui.WriteJSON writes them.
func (e entry) MarshalJSON() ([]byte, error) {
	type plain entry
	var v any = plain(e)
	if config.IsBool(e.Key) {
		if b, err := strconv.ParseBool(e.Value); err == nil {
			v = struct {
				Key         string `json:"key"`
				Value       bool   `json:"value"`
				Source      string `json:"source"`
				Description string `json:"description"`
			}{e.Key, b, e.Source, e.Description}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func run(opts *Options) error {
	cfg := opts.Config()
	if cfg == nil {
		return errors.New("configuration not loaded")
	}
	out := opts.IO.Out
	switch opts.Action {
	case "path":
		if opts.IO.JSON() {
			return ui.WriteJSON(out, map[string]any{"path": cfg.File, "exists": cfg.FileExists})
		}
		_, err := fmt.Fprintln(out, cfg.File)
		return err
	case "get":
		k, _ := config.LookupKey(opts.Key)
		e := resolved(opts, cfg, k)
		warnBadEnv(opts, k)
		if opts.IO.JSON() {
			return ui.WriteJSON(out, e)
		}
		if _, err := fmt.Fprintln(out, e.Value); err != nil {
			return err
		}
		// An unset key with no default printed an empty line and
		// nothing else (the help's `hookctl config get retry_schedule`).
		if e.Value == "" && e.Source == "default" {
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s is not set: each command uses its own default; set one with: %s\n", k.Name, cfg.Command("set "+k.Name+" VALUE"))
		}
		return nil
	case "unset":
		k, _ := config.LookupKey(opts.Key)
		return unset(opts, cfg, k)
	case "set":
		k, _ := config.LookupKey(opts.Key)
		// An empty value unsets the key (as an empty value in the file
		// does): the default applies again.
		if opts.Value == "" {
			return unset(opts, cfg, k)
		}
		if err := config.ValidateValue(k.Name, opts.Value); err != nil {
			return valueError(cfg, k, err)
		}
		if k.Name == "forward" {
			// What listen refuses (ftp://x, localhost:abc) was written,
			// and every listen then failed on it.
			if _, err := listen.NormalizeTarget(opts.Value); err != nil {
				reason := err.Error()
				if _, r, ok := strings.Cut(reason, `": `); ok && strings.HasPrefix(reason, "invalid forward target ") {
					reason = r
				}
				return cli.Usagef("invalid value %q for forward: %s", opts.Value, reason).
					Hint("for example: %s (localhost:3000/webhooks, or a full http(s) URL)", cfg.Command("set forward 3000"))
			}
		}
		if err := cfg.Set(k.Name, opts.Value); err != nil {
			var uk *config.UnknownKeyError
			if errors.As(err, &uk) {
				return err
			}
			return writeError(cfg, err)
		}
		shown := config.Canonical(k.Name, opts.Value) // as written: no_color 1 is true
		if k.Name == "store" {
			shown = store.MaskURL(shown) // never echo a database password
		}
		if opts.IO.JSON() {
			warnFixturesDir(opts, cfg, k, opts.Value)
			return ui.WriteJSON(out, entry{k.Name, shown, "file", k.Description})
		}
		st := opts.IO.ErrStyles()
		fmt.Fprintf(opts.IO.ErrOut, "%s Set %s to %q in %s\n", st.Success.Render("✓"), k.Name, shown, cfg.File)
		warnFixturesDir(opts, cfg, k, opts.Value)
		noteRelativeStore(opts, cfg, k, opts.Value)
		warnFileProblem(opts, cfg)
		if other := config.Excludes(k.Name); other != "" && cfg.InFile(other) {
			// trigger and replay would refuse the two together.
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s is set in %s too: trigger and replay refuse the two together\n", other, cfg.File)
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: keep %s: %s\n", k.Name, cfg.Command("unset "+other))
		}
		if src := cfg.Source(k.Name, opts.Getenv); src == "env" {
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: HOOKCTL_%s is set and overrides the file\n", strings.ToUpper(k.Name))
		}
		return nil
	}
	var entries []entry
	for _, k := range config.Keys {
		entries = append(entries, resolved(opts, cfg, k))
		warnBadEnv(opts, k)
	}
	if opts.IO.JSON() {
		return ui.WriteJSON(out, entries)
	}
	st := opts.IO.Styles()
	t := ui.NewTable(opts.IO, "KEY", "VALUE", "SOURCE").Record()
	for _, e := range entries {
		t.Row().Styled(e.Key, st.Key).Cell(e.Value).Styled(e.Source, st.Muted).End()
	}
	return t.Render()
}

// unset removes a key from the config file (config set with an empty
// value).
func unset(opts *Options, cfg *config.Config, k config.Key) error {
	if !cfg.InFile(k.Name) {
		// Nothing to remove: say so, and write nothing (it created an
		// empty config file and said "✓ Unset store in …" of a key
		// that was never set), as an update that changes nothing does.
		e := resolved(opts, cfg, k)
		if opts.IO.JSON() {
			return ui.WriteJSON(opts.IO.Out, e)
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s is not set in %s: nothing to unset (it is %q, from %s)\n", k.Name, cfg.File, e.Value, e.Source)
		return nil
	}
	if err := cfg.Set(k.Name, ""); err != nil {
		return writeError(cfg, err)
	}
	e := resolved(opts, cfg, k)
	if opts.IO.JSON() {
		return ui.WriteJSON(opts.IO.Out, e)
	}
	st := opts.IO.ErrStyles()
	fmt.Fprintf(opts.IO.ErrOut, "%s Unset %s in %s (now %q, from %s)\n", st.Success.Render("✓"), k.Name, cfg.File, e.Value, e.Source)
	warnFileProblem(opts, cfg)
	return nil
}

// unsetUnknown removes a key that is not a setting from the config file
// (README: config unset repairs a file the other commands refuse);
// one the file does not hold is the unknown key it is.
func unsetUnknown(opts *Options) error {
	cfg := opts.Config()
	if cfg == nil {
		return errors.New("configuration not loaded")
	}
	found, err := cfg.UnsetUnknown(opts.Key)
	if err != nil {
		return writeError(cfg, err)
	}
	if !found {
		return &config.UnknownKeyError{Name: opts.Key}
	}
	if opts.IO.JSON() {
		// the keys of set's and unset's document
		return ui.WriteJSON(opts.IO.Out, entry{opts.Key, "", "removed", "not a setting hookctl reads"})
	}
	st := opts.IO.ErrStyles()
	fmt.Fprintf(opts.IO.ErrOut, "%s Removed %s from %s (not a setting hookctl reads)\n", st.Success.Render("✓"), opts.Key, cfg.File)
	warnFileProblem(opts, cfg)
	return nil
}

// warnFileProblem says what is still wrong in the config file after a
// set or unset that left another key bad (they work on such a file, so
// that one can repair it).
func warnFileProblem(opts *Options, cfg *config.Config) {
	if err := cfg.FileProblem(); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s still has a problem: %v (other commands refuse the file until it is fixed)\n", cfg.File, err)
	}
}

// writeError is a config file that could not be written (exit 3), with
// what to do: it said only "cannot write …: permission denied".
func writeError(cfg *config.Config, err error) error {
	e := cli.Envf("cannot write %s: %v", cfg.File, err)
	other := "keep the settings elsewhere: HOOKCTL_CONFIG_DIR=DIR (or --config FILE)"
	if cfg.Explicit {
		other = "name a file you may write with --config FILE"
	}
	if errors.Is(err, fs.ErrPermission) {
		return e.Hint("this user may not write it or its directory: check their permissions (ls -ld %s)", config.ShellArg(filepath.Dir(cfg.File))).
			Hint("or %s", other)
	}
	return e.Hint("%s", other)
}

// warnBadEnv warns on stderr when the HOOKCTL_* variable of k holds a
// value every command that reads k refuses (exit 2): config list and get
// showed HOOKCTL_LISTEN_PORT=abc as the value "from env", exit 0, and the
// one place to look said nothing of it.
func warnBadEnv(opts *Options, k config.Key) {
	env := "HOOKCTL_" + strings.ToUpper(k.Name)
	v := opts.Getenv(env)
	var ve *config.ValueError
	if v == "" || !errors.As(config.ValidateValue(k.Name, v), &ve) {
		return
	}
	fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: invalid %s %q: %s (the commands that read %s refuse it)\n", env, v, ve.Reason, k.Name)
	for _, h := range ve.Hints() {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s\n", h)
	}
	fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: fix it, or unset %s\n", env)
}

// resolved is a key's entry for list and get: its value and where it
// came from. The store given with --store is the flag's (the store every
// command of this command line uses): it showed the flag's value as the
// default, with a PostgreSQL URL's password in clear.
//
// So is any setting given as a flag: config list -o table --no-color with
// output: json and no_color: true in the file said "json" and "true",
// from file; config get output -o table printed json.
func resolved(opts *Options, cfg *config.Config, k config.Key) entry {
	if v, ok := opts.Flags[k.Name]; ok {
		if k.Name == "store" {
			v = store.MaskURL(cfg.Store)
		}
		return entry{k.Name, v, "flag", k.Description}
	}
	return entry{k.Name, value(cfg, k.Name), cfg.Source(k.Name, opts.Getenv), k.Description}
}

// flagKeys are the settings fs's flags given on the command line set
// (a flag fills the key of its name, '-' for '_', or of its
// config.FlagKeyAnnotation), with the flags' values.
func flagKeys(fs *pflag.FlagSet) map[string]string {
	m := map[string]string{}
	fs.Visit(func(f *pflag.Flag) {
		name := f.Name
		if a := f.Annotations[config.FlagKeyAnnotation]; len(a) > 0 {
			name = a[0]
		}
		if k, ok := config.LookupKey(name); ok {
			m[k.Name] = f.Value.String()
		}
	})
	return m
}

// value is a key's resolved value; the store shows the default path it
// resolves to. A store URL's password is masked wherever it came from.
func value(cfg *config.Config, key string) string {
	if key == "store" {
		if v := cfg.Get("store"); v != "" {
			return store.MaskURL(v)
		}
		return store.MaskURL(cfg.Store)
	}
	return cfg.Get(key)
}

// setFlagError: config set store_wait -1s read the value as flags
// ("unknown shorthand flag: '1' in -1s"): a value starting with '-'
// goes after --, which the error now says.
func setFlagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown shorthand flag: ") && c.Flags().NArg() == 1 {
		if i := strings.LastIndex(msg, " in -"); i > 0 {
			v := msg[i+len(" in "):]
			return cli.Usagef("the value %s was read as flags: a value starting with '-' goes after --", v).
				Hint("hookctl config set %s -- %s", c.Flags().Arg(0), v)
		}
	}
	return cli.FlagError(c, err)
}

// valueError is config set's refusal of a bad value: with the value meant
// when one is close (strip: stripe), else an example of a good one: the
// first choice, or the default.
func valueError(cfg *config.Config, k config.Key, err error) error {
	e := cli.WithCode(cli.ExitUsage, err)
	var he cli.HintError
	if errors.As(err, &he) && len(he.Hints()) > 0 {
		return e
	}
	switch c := config.ValueChoices(k.Name); {
	case len(c) > 0:
		return e.Hint("for example: %s", cfg.Command("set "+k.Name+" "+c[0]))
	case k.Default != "":
		return e.Hint("for example: %s (the default)", cfg.Command("set "+k.Name+" "+k.Default))
	}
	return e.Hint("%s goes back to the default", cfg.Command("unset "+k.Name))
}

// noteRelativeStore says, when config set writes a store that is a
// relative SQLite path, that each command reads it from the directory it
// runs in: from another one, subscriptions list found "no store", and
// subscribe, trigger and listen made a new, empty store there, which
// looked like lost subscriptions. Relative may be meant (a store per
// project), so it is a note with the absolute path, not a refusal.
func noteRelativeStore(opts *Options, cfg *config.Config, k config.Key, value string) {
	if k.Name != "store" {
		return
	}
	p := app.SQLiteFile(value)
	if p == "" || filepath.IsAbs(p) {
		return
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return
	}
	fmt.Fprintf(opts.IO.ErrOut, "hookctl: note: store %s is a relative path: each command uses %s in the directory it runs in (here, %s)\n", p, p, abs)
	fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: for one store wherever hookctl runs: %s\n", cfg.Command("set store "+config.ShellArg(abs)))
}

// warnFixturesDir says, when config set writes a fixtures_dir that is not
// a directory (a typo, or one not made yet), that the commands reading
// fixtures will refuse it: the value is written, as a directory may be
// made after (a checkout, dotfiles shared between machines), but a typo
// is said at once rather than at the next trigger. A relative path is
// read from the directory each command runs in, as they read it.
func warnFixturesDir(opts *Options, cfg *config.Config, k config.Key, value string) {
	if k.Name != "fixtures_dir" {
		return
	}
	dir := config.ExpandHome(value)
	fi, err := os.Stat(dir)
	var what string
	switch {
	case err == nil && fi.IsDir():
		return
	case err == nil:
		what = "is not a directory"
	case errors.Is(err, fs.ErrNotExist):
		what = "does not exist"
	default:
		what = "cannot be read (" + err.Error() + ")"
	}
	if !filepath.IsAbs(dir) {
		what += " here"
	}
	fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: fixtures directory %s %s: the commands that read fixtures (trigger, events, check, serve, ui) refuse it until it is one\n", dir, what)
	fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: create it, or unset the key: %s\n", cfg.Command("unset fixtures_dir"))
}
