// Package config resolves hookctl's settings: flags > HOOKCTL_* environment
// > config.yaml > defaults, with a fresh viper instance per run.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/internal/textdist"
)

// Key describes one setting people reuse.
type Key struct {
	Name        string
	Default     string
	Description string
}

// Keys are the only settings config.yaml and HOOKCTL_* hold. Flags of the
// same name (with '-' for '_') are filled from them when not given.
var Keys = []Key{
	{"store", "", "store location: a SQLite file path or a postgres:// URL"},
	{"output", "table", "output format: table or json"},
	{"no_color", "false", "disable colour"},
	{"provider", "", "default provider for events (bond, mono, mambu, saas, standard, stripe, github)"},
	{"scheme", "", "default signature scheme"},
	{"fixtures_dir", "", "directory of custom event fixtures"},
	{"listen_host", "127.0.0.1", "address hookctl listen binds"},
	{"listen_port", "8787", "port hookctl listen binds"},
	{"forward", "", "where hookctl listen forwards events"},
	{"retry_schedule", "", "retry schedule, e.g. 0s,5s,5m,30m,2h"},
	{"retry_profile", "", "retry profile: bond, mono, mambu or svix"},
	{"timeout", "10s", "HTTP timeout for deliveries and forwards"},
	{"store_wait", "1m", "how long worker, serve, ui, listen and deliveries tail wait at start for a PostgreSQL server not reachable yet, or a SQLite store another process keeps locked (0: not at all)"},
}

// excludes pairs the keys that cannot be used together: the flags they
// fill carry FlagExcludesAnnotation.
var excludes = map[string]string{"retry_schedule": "retry_profile", "retry_profile": "retry_schedule"}

// Excludes names the key that name cannot be used with, "" for none.
func Excludes(name string) string { return excludes[name] }

// InFile reports whether the config file sets name (to a value that is
// not empty).
func (c *Config) InFile(name string) bool {
	if !c.FileExists {
		return false
	}
	if c.inFile != nil {
		// As Load read the file (config list asks for every key: it
		// read the file once per key).
		return c.inFile[strings.ToLower(name)]
	}
	fv := viper.New()
	fv.SetConfigType("yaml")
	fv.SetConfigFile(c.File)
	return fv.ReadInConfig() == nil && fv.IsSet(name) && fileString(fv.Get(name)) != ""
}

// FlagKeyAnnotation on a flag names the config key it is filled from when
// that differs from the flag name (e.g. listen's --port ← listen_port).
const FlagKeyAnnotation = "hookctl_config_key"

// FlagExcludesAnnotation on a flag names the flags it cannot be combined
// with (--retry-schedule, --retry-profile, --no-retry). The flag is not
// filled from the configuration when one of them is given on the command
// line, nor from the config file when one of their keys is set in the
// environment: the more specific choice wins instead of the two clashing.
const FlagExcludesAnnotation = "hookctl_config_excludes"

// KeyNames lists the valid keys, sorted.
func KeyNames() []string {
	names := make([]string, len(Keys))
	for i, k := range Keys {
		names[i] = k.Name
	}
	sort.Strings(names)
	return names
}

// LookupKey finds a key by name ('-' and '_' are the same).
func LookupKey(name string) (Key, bool) {
	name = strings.ReplaceAll(strings.ToLower(name), "-", "_")
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// Config is the resolved configuration.
type Config struct {
	// vals holds every key's resolved value (environment > file > default).
	// viper reads and writes the file; the resolution itself needs no viper
	// instance, so a run without a config file never builds one.
	vals map[string]string
	// File is the config file in use (it may not exist).
	File string
	// Explicit: File was given with --config (Command names it).
	Explicit bool
	// FileExists reports whether File was read.
	FileExists bool

	// Store is the resolved store location ("" until resolved by the app).
	Store string

	// LooseSecretMode is the file's mode when other users may read or
	// write it and it holds a password (a PostgreSQL URL's in store),
	// else 0: Warnings says so, as ssh does of a private key.
	LooseSecretMode fs.FileMode

	getenv func(string) string

	// filled: the flags ApplyToFlags set from the configuration.
	filled []FilledFlag

	// inFile holds, once Load has read the file, the keys it sets to a
	// value that is not empty (InFile); nil: read the file to know.
	inFile map[string]bool
}

// FilledFlag is a flag the user did not give that ApplyToFlags set from
// the configuration: its name, its key and the value.
type FilledFlag struct {
	Flag, Key, Value string
}

// Filled lists the flags ApplyToFlags set from the configuration.
func (c *Config) Filled() []FilledFlag { return c.filled }

// Options controls Load.
type Options struct {
	// ExplicitFile is --config; it must exist when set.
	ExplicitFile string
	// Getenv looks up environment variables (os.Getenv when nil).
	Getenv func(string) string
}

// ErrConfigNotFound is returned when --config names a missing file.
var ErrConfigNotFound = errors.New("config file not found")

// Load reads the configuration.
func Load(o Options) (*Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	vals := make(map[string]string, len(Keys))
	for _, k := range Keys {
		vals[k.Name] = k.Default
		// Bind explicitly rather than AutomaticEnv so o.Getenv is honoured.
		if val := getenv("HOOKCTL_" + strings.ToUpper(k.Name)); val != "" {
			vals[k.Name] = Canonical(k.Name, val)
		}
	}
	c := &Config{vals: vals, getenv: getenv}
	if o.ExplicitFile != "" {
		// --config=~/… (no shell expands a ~ after =): the home
		// directory, as --store=~/… is.
		c.File, c.Explicit = expandHome(getenv, o.ExplicitFile), true
		if _, err := os.Stat(c.File); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrConfigNotFound, o.ExplicitFile)
		}
	} else {
		c.File = filepath.Join(Dir(getenv), "config.yaml")
	}
	info, err := os.Stat(c.File)
	if o.ExplicitFile == "" && errors.Is(err, fs.ErrNotExist) {
		// A link to nothing (dotfiles not checked out) is not "no config
		// file": it was read as one, and every setting silently fell
		// back to its default.
		if target, lerr := os.Readlink(c.File); lerr == nil {
			return nil, &FileError{File: c.File, Err: fmt.Errorf("it is a symbolic link to %s, which does not exist", target), Config: c.resolveStore(getenv), Link: target}
		}
		// The usual case: no config file. Skip building a viper
		// instance to find that out (cold start).
		return c.resolveStore(getenv), nil
	}
	if err == nil && info.IsDir() {
		// Skipped as if missing (viper's read failed with a path error).
		c.FileExists = true
		return nil, &FileError{File: c.File, Err: errors.New("it is a directory, not a file"), Config: c.resolveStore(getenv)}
	}
	fileV := viper.New()
	fileV.SetConfigType("yaml")
	fileV.SetConfigFile(c.File)
	// The file is read once: viper parses these bytes and trailingYAML
	// looks for a second document in them (each read the file itself, so
	// every command read it twice). os.ReadFile fails as viper's read did
	// (the same *fs.PathError).
	b, err := os.ReadFile(c.File)
	if err == nil {
		err = fileV.ReadConfig(bytes.NewReader(b))
		var cpe viper.ConfigParseError
		if errors.As(err, &cpe) && cpe.Unwrap() != nil {
			// The line an editor shows: yaml.v3's parser counts from 0.
			if msg := cpe.Unwrap().Error(); YAMLErrorLine(msg, b) != msg {
				err = errors.New(YAMLErrorLine(msg, b))
			}
		}
	}
	if err != nil {
		// Only a file gone since the Stat above is no config file; one
		// that cannot be read (permissions, an I/O error) is an error,
		// not the defaults.
		if o.ExplicitFile != "" || !errors.Is(err, fs.ErrNotExist) {
			_, statErr := os.Stat(c.File)
			c.FileExists = statErr == nil
			return nil, &FileError{File: c.File, Err: err, Config: c.resolveStore(getenv)}
		}
	} else {
		c.FileExists = true
		if err := trailingYAML(b); err != nil {
			// Not Checked: config set would rewrite the file from the
			// part read, dropping what follows it.
			return nil, &FileError{File: c.File, Err: err, Config: c.resolveStore(getenv)}
		}
		if err := checkFile(fileV); err != nil {
			return nil, &FileError{File: c.File, Err: err, Config: c.resolveStore(getenv), Checked: true}
		}
		c.inFile = make(map[string]bool, len(Keys))
		for _, k := range Keys {
			if !fileV.IsSet(k.Name) {
				continue
			}
			v := fileString(fileV.Get(k.Name))
			c.inFile[k.Name] = v != "" // empty: unset
			if v != "" && getenv("HOOKCTL_"+strings.ToUpper(k.Name)) == "" {
				vals[k.Name] = Canonical(k.Name, v)
			}
		}
		if st, err := os.Stat(c.File); err == nil && st.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows" &&
			hasPassword(fileString(fileV.Get("store"))) {
			c.LooseSecretMode = st.Mode().Perm()
		}
	}
	return c.resolveStore(getenv), nil
}

// hasPassword reports whether a store location is a URL with a password
// (postgres://user:secret@host/db).
func hasPassword(loc string) bool {
	u, err := url.Parse(loc)
	if err != nil || u.User == nil {
		return false
	}
	_, set := u.User.Password()
	return set
}

// Warnings are the lines (without the "hookctl: " prefix) a command
// prints about the configuration file before its work: today, a file
// holding a password that other users may read or write.
func (c *Config) Warnings() []string {
	if c == nil || c.LooseSecretMode == 0 {
		return nil
	}
	who := "read"
	if c.LooseSecretMode&0o044 == 0 {
		who = "written"
	}
	return []string{
		fmt.Sprintf("warning: config file %s can be %s by other users (mode %04o), and its store URL holds a password", c.File, who, c.LooseSecretMode),
		fmt.Sprintf("hint: chmod 600 %s", c.File),
	}
}

func (c *Config) resolveStore(getenv func(string) string) *Config {
	c.Store = c.vals["store"]
	if c.Store == "" {
		c.Store = DefaultStorePath(getenv)
	}
	return c
}

// envFunc is the environment the Config reads (the process's unless a
// test gave its own).
func (c *Config) envFunc() func(string) string {
	if c.getenv != nil {
		return c.getenv
	}
	return os.Getenv
}

// fromEnv reports whether key name is set in the environment (HOOKCTL_NAME).
func (c *Config) fromEnv(name string) bool {
	return c.envFunc()("HOOKCTL_"+strings.ToUpper(name)) != ""
}

// IsDefaultStore reports whether Store is the default store file, not a
// location the user named (--store, HOOKCTL_STORE, the store setting).
func (c *Config) IsDefaultStore() bool {
	return c.Store == DefaultStorePath(c.envFunc())
}

// Get returns a key's resolved value (environment, file or default).
func (c *Config) Get(name string) string { return c.vals[strings.ToLower(name)] }

// Source tells where a key's value came from: env, file or default.
func (c *Config) Source(name string, getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv("HOOKCTL_"+strings.ToUpper(name)) != "" {
		return "env"
	}
	// An empty value leaves its key unset (Load skips it): the default
	// applies, not the file.
	if c.InFile(name) {
		return "file"
	}
	return "default"
}

// ApplyToFlags fills every flag of fs the user did not set from the
// configuration (flags > env > file > defaults). Only flags that map to a
// known key are touched; defaults of keys are not applied over flag
// defaults (the flag's own default stands).
func (c *Config) ApplyToFlags(fs *pflag.FlagSet) error {
	var firstErr error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || firstErr != nil {
			return
		}
		name := strings.ReplaceAll(f.Name, "-", "_")
		if a := f.Annotations[FlagKeyAnnotation]; len(a) > 0 {
			name = a[0]
		}
		k, ok := LookupKey(name)
		if !ok {
			return
		}
		val := c.vals[k.Name]
		if val == k.Default {
			return // not set anywhere but defaults: keep the flag's default
		}
		if c.excluded(fs, f, k) {
			return
		}
		if err := c.clash(fs, f, k); err != nil {
			firstErr = err
			return
		}
		// The rules config set applies, named after where the value came
		// from (HOOKCTL_PROVIDER=strip), before a command reports it under
		// a flag the user never typed, or in strconv's words.
		var ve *ValueError
		if errors.As(ValidateValue(k.Name, val), &ve) {
			firstErr = &originError{msg: fmt.Sprintf("invalid %s %q: %s", c.Origin(k.Name), val, ve.Reason), err: ve}
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			items := strings.Split(val, ",")
			if err := sv.Replace(items); err != nil {
				firstErr = fmt.Errorf("invalid %s %q: %w", c.Origin(k.Name), val, err)
				return
			}
			c.filled = append(c.filled, FilledFlag{f.Name, k.Name, val})
			return
		}
		if err := f.Value.Set(val); err != nil {
			firstErr = fmt.Errorf("invalid %s %q: %w", c.Origin(k.Name), val, err)
			return
		}
		c.filled = append(c.filled, FilledFlag{f.Name, k.Name, val})
	})
	return firstErr
}

// originError is a ValueError told with where the value came from; it
// unwraps to the ValueError for its hints.
type originError struct {
	msg string
	err error
}

func (e *originError) Error() string { return e.msg }
func (e *originError) Unwrap() error { return e.err }

// Origin names where a key's value came from, as the user set it: the
// environment variable (HOOKCTL_OUTPUT), else the key in the config file
// ("output in /path/config.yaml"), else the key alone (its default).
func (c *Config) Origin(name string) string {
	getenv := c.envFunc()
	env := "HOOKCTL_" + strings.ToUpper(name)
	switch {
	case getenv(env) != "":
		return env
	case c.FileExists:
		return fmt.Sprintf("%s in %s", name, c.File)
	}
	return name
}

// excluded reports whether flag f (filled from key k) gives way to a flag
// it cannot be combined with: one given on the command line, or one whose
// key comes from the environment while k comes only from the file.
func (c *Config) excluded(fs *pflag.FlagSet, f *pflag.Flag, k Key) bool {
	fromEnv := c.fromEnv
	for _, name := range f.Annotations[FlagExcludesAnnotation] {
		other := fs.Lookup(name)
		if other == nil {
			continue
		}
		if other.Changed {
			return true
		}
		okey := strings.ReplaceAll(other.Name, "-", "_")
		if a := other.Annotations[FlagKeyAnnotation]; len(a) > 0 {
			okey = a[0]
		}
		if ok, found := LookupKey(okey); found && !fromEnv(k.Name) && fromEnv(ok.Name) {
			return true
		}
	}
	return false
}

// ClashError is two keys that exclude each other (retry_schedule and
// retry_profile) set at the same level, both in the environment or both
// in the config file, with no flag on the command line to choose: told
// under their own names, not under flags the user never typed.
type ClashError struct {
	A, B     string // the keys, in Keys order
	Env      bool   // both from the environment (else both from File)
	File     string
	Explicit bool // File was given with --config
}

func (e *ClashError) Error() string {
	if e.Env {
		return fmt.Sprintf("HOOKCTL_%s and HOOKCTL_%s are both set: they cannot be used together", strings.ToUpper(e.A), strings.ToUpper(e.B))
	}
	return fmt.Sprintf("%s and %s are both set in %s: they cannot be used together", e.A, e.B, e.File)
}

// Hints say how to keep one.
func (e *ClashError) Hints() []string {
	flags := fmt.Sprintf("--%s or --%s", strings.ReplaceAll(e.A, "_", "-"), strings.ReplaceAll(e.B, "_", "-"))
	if e.Env {
		return []string{fmt.Sprintf("unset one of them, or give %s on the command line (it sets the other aside)", flags)}
	}
	return []string{
		fmt.Sprintf("keep one: %s (or %s)", Command(e.File, e.Explicit, "unset "+e.B), e.A),
		fmt.Sprintf("or give %s on the command line (it sets the other aside)", flags),
	}
}

// ExitCode: bad usage, as the two flags given together are.
func (e *ClashError) ExitCode() int { return 2 }

// clash reports a key that excludes k (through f's FlagExcludesAnnotation)
// set at the same level as k, the environment or the file, whose flag is
// not given either: both would fill their flags, and the command would
// refuse them under the flags' names ("--retry-schedule and
// --retry-profile cannot be used together") with nothing on the command
// line to change. A level above the other's already set it aside
// (excluded).
func (c *Config) clash(fs *pflag.FlagSet, f *pflag.Flag, k Key) error {
	fromEnv := c.fromEnv
	for _, name := range f.Annotations[FlagExcludesAnnotation] {
		other := fs.Lookup(name)
		if other == nil || other.Changed {
			continue
		}
		okey := strings.ReplaceAll(other.Name, "-", "_")
		if a := other.Annotations[FlagKeyAnnotation]; len(a) > 0 {
			okey = a[0]
		}
		ok, found := LookupKey(okey)
		if !found || c.vals[ok.Name] == ok.Default || fromEnv(k.Name) != fromEnv(ok.Name) {
			continue
		}
		a, b := k.Name, ok.Name
		for _, key := range Keys {
			if key.Name == b {
				a, b = b, a // Keys order
				break
			}
			if key.Name == a {
				break
			}
		}
		return &ClashError{A: a, B: b, Env: fromEnv(k.Name), File: c.File, Explicit: c.Explicit}
	}
	return nil
}

// Dir is the configuration directory: HOOKCTL_CONFIG_DIR, else
// $XDG_CONFIG_HOME/hookctl, else ~/.config/hookctl.
func Dir(getenv func(string) string) string {
	if d := getenv("HOOKCTL_CONFIG_DIR"); d != "" {
		// ~/… set where no shell expands it (an env file, a unit's
		// Environment=): the home directory, not a directory "~" made
		// under the one each command runs in.
		return expandHome(getenv, d)
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "hookctl")
	}
	return filepath.Join(home(getenv), ".config", "hookctl")
}

// DataDir is where the default store lives: $XDG_DATA_HOME/hookctl, else
// ~/.local/share/hookctl.
func DataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hookctl")
	}
	return filepath.Join(home(getenv), ".local", "share", "hookctl")
}

// ExpandHome replaces a leading ~ (~ alone or ~/…) with the home
// directory: a path in config.yaml, in a variable set by CI (env: blocks
// do not expand ~) or given as --store=~/… reaches hookctl unexpanded, and
// would name a directory called ~ in whatever directory hookctl runs in.
func ExpandHome(path string) string { return expandHome(os.Getenv, path) }

// expandHome is ExpandHome with the home directory from getenv.
func expandHome(getenv func(string) string, path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") && !strings.HasPrefix(path, "~"+string(filepath.Separator)) {
		return path
	}
	return filepath.Join(home(getenv), path[1:])
}

// DefaultStorePath is the default SQLite store file.
func DefaultStorePath(getenv func(string) string) string {
	return filepath.Join(DataDir(getenv), "hookctl.db")
}

func home(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "."
}

// Set writes key=value into the config file (created with mode 0600).
// FileError: the config file exists but cannot be read or parsed.
// Config holds what was resolved without it (its path, the environment),
// enough for `hookctl config path`.
type FileError struct {
	File   string
	Err    error
	Config *Config
	// Checked: the file is YAML, and Err is a key or value in it that
	// hookctl refuses (Config then holds the other sources only).
	Checked bool
	// Link: the file is a symbolic link to Link, which does not exist
	// (config set creates it).
	Link string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("reading %s: %s", e.File, fileErrorText(e.Err))
}

// fileErrorText is err on one line, in hookctl's voice: without viper's
// "While parsing config: " (capitalised, mid-sentence), the file's path
// repeated by a path error, or the line breaks of YAML's list of
// unmarshal errors ("yaml: unmarshal errors:\n  line 1: …").
func fileErrorText(err error) string {
	var cpe viper.ConfigParseError
	if errors.As(err, &cpe) && cpe.Unwrap() != nil {
		err = cpe.Unwrap()
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg := strings.TrimSpace(err.Error())
	if rest, ok := strings.CutPrefix(msg, "yaml: unmarshal errors:"); ok {
		msg = "yaml:"
		for i, line := range strings.Split(strings.TrimSpace(rest), "\n") {
			if i > 0 {
				msg += ";"
			}
			msg += " " + strings.TrimSpace(line)
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	// The whole file is a list or a scalar: say what it must be instead
	// of in Go's words (cannot unmarshal !!seq into map[string]interface {}).
	// Compiled here, on an error only: not at every start.
	notMapping := regexp.MustCompile(`cannot unmarshal !!(\w+) (?:` + "`[^`]*` " + `)?into map\[string\]interface \{\}`)
	return notMapping.ReplaceAllStringFunc(msg, func(m string) string {
		kind := notMapping.FindStringSubmatch(m)[1]
		if name, ok := yamlKinds[kind]; ok {
			kind = name
		}
		return "want key: value settings, not " + kind
	})
}

var yamlKinds = map[string]string{"seq": "a list", "str": "a string", "int": "a number", "float": "a number", "bool": "a boolean"}

func (e *FileError) Unwrap() error { return e.Err }

// Set writes a setting to the config file; an empty value removes the
// key from it (its default applies again).
func (c *Config) Set(name, value string) error {
	k, ok := LookupKey(name)
	if !ok {
		return &UnknownKeyError{Name: name}
	}
	value = Canonical(k.Name, value) // no_color: 1 is written true
	fv := viper.New()
	fv.SetConfigType("yaml")
	fv.SetConfigFile(c.File)
	if c.FileExists {
		if err := fv.ReadInConfig(); err != nil {
			return fmt.Errorf("reading %s: %w", c.File, err)
		}
	}
	if value == "" {
		// Unset: the key leaves the file (viper cannot delete one).
		settings := fv.AllSettings()
		delete(settings, k.Name)
		fv = viper.New()
		fv.SetConfigType("yaml")
		for name, v := range settings {
			fv.Set(name, v)
		}
	} else {
		fv.Set(k.Name, value)
	}
	if err := os.MkdirAll(filepath.Dir(c.File), 0o700); err != nil {
		return err
	}
	data, err := yamlSettings(fv)
	if err != nil {
		return err
	}
	if err := writePrivate(c.File, data); err != nil {
		return err
	}
	c.FileExists = true
	if c.inFile != nil {
		c.inFile[k.Name] = value != ""
	}
	if c.getenv == nil || c.getenv("HOOKCTL_"+strings.ToUpper(k.Name)) == "" {
		c.vals[k.Name] = value // the environment still wins over the file
		if value == "" {
			c.vals[k.Name] = k.Default
		}
		if k.Name == "store" {
			c.resolveStore(c.envFunc())
		}
	}
	return nil
}

// trailingYAML refuses a config file with anything after its first YAML
// value, which viper (yaml.v3's Unmarshal) reads no further than: a
// setting appended to the "{}" an emptied file held, or a second
// document after "---", was silently ignored, its default used.
func trailingYAML(b []byte) error {
	d := yaml.NewDecoder(bytes.NewReader(b))
	var first yaml.Node
	if err := d.Decode(&first); err != nil {
		return nil // empty, or an error viper has already said
	}
	line := first.Line
	if len(first.Content) > 0 {
		line = first.Content[0].Line
	}
	for {
		var next yaml.Node
		switch err := d.Decode(&next); {
		case err == io.EOF:
			return nil
		case err != nil:
			return fmt.Errorf("only the YAML value on line %d is read, and what follows it would be ignored: write the settings as key: value lines (a file with none is empty, not {})", line)
		case len(next.Content) == 0 || next.Content[0].Tag == "!!null":
			// an empty document (a closing ---) holds nothing to ignore
		default:
			return fmt.Errorf("a second YAML document (line %d, after ---) would be ignored: keep the settings in one", next.Line)
		}
	}
}

// UnsetUnknown removes from the config file a key that is not a setting
// (a typo such as outptu, listen-port for listen_port, a nested
// listen.port), the key every other command refuses the file for, so
// that `hookctl config unset` repairs it as it repairs a bad value. It
// reports whether the file held the key; nothing is written when not.
func (c *Config) UnsetUnknown(name string) (bool, error) {
	if !c.FileExists {
		return false, nil
	}
	fv := viper.New()
	fv.SetConfigType("yaml")
	fv.SetConfigFile(c.File)
	if err := fv.ReadInConfig(); err != nil {
		return false, fmt.Errorf("reading %s: %w", c.File, err)
	}
	settings := fv.AllSettings() // keys lowercased, as viper reads them
	path := strings.Split(strings.ToLower(name), ".")
	m := settings
	var parents []map[string]any
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return false, nil
		}
		parents = append(parents, m)
		m = next
	}
	leaf := path[len(path)-1]
	if _, ok := m[leaf]; !ok {
		return false, nil
	}
	delete(m, leaf)
	for i := len(parents) - 1; i >= 0 && len(m) == 0; i-- {
		delete(parents[i], path[i]) // a nested key's emptied parents go too
		m = parents[i]
	}
	nv := viper.New()
	nv.SetConfigType("yaml")
	for k, v := range settings {
		nv.Set(k, v)
	}
	data, err := yamlSettings(nv)
	if err != nil {
		return false, err
	}
	if err := writePrivate(c.File, data); err != nil {
		return false, err
	}
	c.inFile = nil // InFile reads the file as it is now
	return true, nil
}

// yamlSettings is the file's text for fv's settings: empty when there
// are none (viper wrote "{}", after which a setting added by hand was
// not read at all).
func yamlSettings(fv *viper.Viper) ([]byte, error) {
	if len(fv.AllSettings()) == 0 {
		return nil, nil
	}
	var data bytes.Buffer
	if err := fv.WriteConfigTo(&data); err != nil {
		return nil, err
	}
	return data.Bytes(), nil
}

// writePrivate writes data to path with mode 0600 set before its first
// byte: the file may hold a PostgreSQL password. (viper's WriteConfigAs
// created the file 0644, or wrote an existing one as it was, and the
// chmod came after: the password was readable by all until then, and for
// good when the run died in between.) The file is written in place, so
// a symbolic link (dotfiles) stays one.
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	// --config /dev/null (or a named pipe): nothing to keep settings in,
	// and chmod would have made /dev/null 0600 for every user (as root).
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return err
		}
		return errors.New("not a regular file: settings cannot be kept there")
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// FileProblem reports what is wrong in the config file (an unknown key,
// a bad value), nil when nothing is or there is no file.
func (c *Config) FileProblem() error {
	if !c.FileExists {
		return nil
	}
	fv := viper.New()
	fv.SetConfigType("yaml")
	fv.SetConfigFile(c.File)
	if err := fv.ReadInConfig(); err != nil {
		return err
	}
	return checkFile(fv)
}

// checkFile refuses a config file with a key hookctl does not read (a
// typo, listen-port for listen_port, a nested key) or a value its key
// cannot take: either would otherwise be ignored, or fail later under a
// flag's name the user never typed. An empty value leaves its key unset.
func checkFile(fv *viper.Viper) error {
	keys := fv.AllKeys()
	sort.Strings(keys)
	for _, name := range keys {
		if k, ok := LookupKey(name); !ok || k.Name != name {
			return &UnknownKeyError{Name: name}
		}
	}
	for _, name := range keys {
		if v := fileString(fv.Get(name)); v != "" {
			if err := ValidateValue(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// UnknownKeyError names a key that is not a setting, and lists the valid ones.
type UnknownKeyError struct{ Name string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("unknown config key %q", e.Name)
}

// Hints suggests the key meant, when one is near, and lists the valid keys.
func (e *UnknownKeyError) Hints() []string {
	var hints []string
	name := strings.ToLower(e.Name)
	for _, k := range KeyNames() {
		if k == strings.ReplaceAll(name, "-", "_") || textdist.Distance(name, k) <= 2 {
			hints = append(hints, fmt.Sprintf("did you mean %q?", k))
		}
	}
	return append(hints, "valid keys: "+strings.Join(KeyNames(), ", "))
}

// fileString is a config file value as a flag would take it: lists
// (retry_schedule: [0s, 5s, 5m]) comma-joined, everything else as text.
func fileString(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = strings.TrimSpace(fmt.Sprint(x))
		}
		return strings.Join(parts, ",")
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// Command is the command line that runs `hookctl config ARGS` on this
// configuration's file, for a hint: with --config FILE when the file was
// given so, as `hookctl config ARGS` alone would read or change the
// default file instead (config unset saying the key is not set there).
func (c *Config) Command(args string) string { return Command(c.File, c.Explicit, args) }

// Command is Config.Command for a file known by its path: explicit when
// it was given with --config.
func Command(file string, explicit bool, args string) string {
	if !explicit {
		return "hookctl config " + args
	}
	return "hookctl --config " + ShellArg(file) + " config " + args
}

// ShellArg quotes s for a POSIX shell when it needs it (a path in a
// hint). A ~ is quoted: at the start of a word the shell expands it.
func ShellArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
