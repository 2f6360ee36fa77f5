// Package cmd wires hookctl's commands together and maps errors to exit codes.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	checkcmd "github.com/hookctl/hookctl/cmd/check"
	completioncmd "github.com/hookctl/hookctl/cmd/completion"
	configcmd "github.com/hookctl/hookctl/cmd/config"
	"github.com/hookctl/hookctl/cmd/deliveries"
	"github.com/hookctl/hookctl/cmd/demo"
	"github.com/hookctl/hookctl/cmd/events"
	"github.com/hookctl/hookctl/cmd/listen"
	"github.com/hookctl/hookctl/cmd/replay"
	"github.com/hookctl/hookctl/cmd/serve"
	"github.com/hookctl/hookctl/cmd/sign"
	storecmd "github.com/hookctl/hookctl/cmd/store"
	"github.com/hookctl/hookctl/cmd/subscribe"
	"github.com/hookctl/hookctl/cmd/subscriptions"
	"github.com/hookctl/hookctl/cmd/trigger"
	uicmd "github.com/hookctl/hookctl/cmd/ui"
	"github.com/hookctl/hookctl/cmd/verify"
	versioncmd "github.com/hookctl/hookctl/cmd/version"
	"github.com/hookctl/hookctl/cmd/worker"
	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/textdist"
	"github.com/hookctl/hookctl/internal/ui"
)

// Set at build time with -ldflags "-X github.com/hookctl/hookctl/cmd.version=…".
var (
	version = ""
	commit  = ""
	date    = "" // build date (RFC 3339), stamped by release builds
)

// Main runs hookctl with os.Args and returns the exit code.
func Main() int {
	ios := ui.System()
	// SIGHUP (the terminal closed, an SSH session dropped) stops a run as
	// Ctrl-C does: trigger, replay and worker finish and record the
	// attempts in flight instead of dying with requests sent but not
	// logged. A second signal quits at once (see signalContext); a
	// command registers what to do first with cli.OnInterruptAgain.
	ctx, stop := notifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	defer startCPUProfile(ios.ErrOut)()
	return Run(cli.WithInterrupter(ctx, ctx.(*signalContext)), ios, os.Args[1:])
}

// completionDeadline bounds a shell's completion request (its TAB).
const completionDeadline = time.Second

// Clock is the commands' wall clock (Factory.Now; the delivery engines of
// worker, trigger and replay claim and renew leases by it). Only tests
// replace it: the root package's test binary moves it to play a wall
// clock that stepped (the lease tests); no flag, setting or environment
// variable of hookctl reaches it.
var Clock = time.Now

// Run runs hookctl with args on ios and returns the exit code.
func Run(ctx context.Context, ios *ui.IOStreams, args []string) int {
	v, c := app.BuildVersion(version, commit)
	f := &cli.Factory{
		IOStreams:    ios,
		Version:      v,
		Commit:       c,
		BuildDate:    date,
		Now:          Clock,
		OpenStore:    app.OpenStore,
		OpenExisting: app.OpenExistingStore,
		OpenReader:   app.OpenReader,
		StoreFile:    app.SQLiteFile,
	}
	defer f.Close()
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// A TAB never hangs: what the store cannot give in time
		// (cli.CompletionStore) is left out of the candidates.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, completionDeadline)
		defer cancel()
	}
	// Under -o json a failed command that printed nothing on stdout gets
	// its error there as a JSON document (jsonError).
	ios.WatchStdout()
	root := newRootCmd(f, commandFor(args))
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	ran, err := flagAsValue(root, args)
	if err == nil {
		ran, err = root.ExecuteContextC(ctx)
	}
	if werr := ios.StdoutWriteError(); err == nil && werr != nil && !errors.Is(werr, syscall.EPIPE) {
		// Help (cobra's help cannot fail) to a full disk: exit 3 as any
		// output that could not be written, not 0. A reader that left
		// (EPIPE) stays what it was.
		err = werr
	}
	if err == nil {
		return cli.ExitOK
	}
	if f, ok := ios.StdoutFile(); ok {
		err = outputError(err, f.Name())
	}
	rep := describeError(ctx, configOriginHint(err, f.Config))
	rep.hints = verbAloneHints(root, rep.unknown, rep.hints)
	if rep.code == cli.ExitUsage && rep.msg != "" && len(rep.hints) == 0 && ran != nil {
		// Every usage error says where to read how to fix it, as a flag
		// error does: a bad value that named no fix had no hint at all.
		rep.hints = []string{fmt.Sprintf("run \"%s --help\" for usage", ran.CommandPath())}
	}
	rep.print(ios.ErrOut)
	if rep.code == cli.ExitInterrupted {
		// Stopped by a signal: 128 plus its number, as a shell says a
		// process that signal ended (SIGTERM 143, SIGHUP 129), so a
		// supervisor or script tells what stopped the run.
		rep.code = cli.InterruptedCode(ctx)
	}
	if rep.msg != "" && !ios.StdoutWritten() && jsonOutput(f, ran, args) {
		writeJSONError(ios.Out, ran, jsonError{Error: rep.msg, Hints: rep.hints, ExitCode: rep.code})
	}
	return rep.code
}

// verbAloneHints: `hookctl tail`, `hookctl log`, `hookctl prune` — a
// group's command typed without its group — is an unknown command
// (name: errorReport.unknown) whose name is no typo cobra can suggest a
// command for: the command meant (deliveries tail, events log, store
// prune) is said before hints, which said only to run --help.
func verbAloneHints(root *cobra.Command, name string, hints []string) []string {
	if name == "" {
		return hints
	}
	var paths []string
	for _, group := range root.Commands() {
		if !group.IsAvailableCommand() || !group.HasSubCommands() {
			continue
		}
		for _, sub := range group.Commands() {
			if sub.IsAvailableCommand() && (sub.Name() == name || sub.HasAlias(name)) {
				paths = append(paths, strconv.Quote(sub.CommandPath()))
			}
		}
	}
	var meant []string
	switch {
	case len(paths) == 0:
		return hints
	case len(paths) <= 2:
		for _, p := range paths {
			meant = append(meant, fmt.Sprintf("did you mean %s?", p))
		}
	default:
		// `hookctl list`: one line, not a hint per group.
		meant = []string{fmt.Sprintf("did you mean one of %s?", strings.Join(paths, ", "))}
	}
	// Before the "run hookctl --help" hint, after cobra's own.
	i := len(hints)
	for i > 0 && !strings.HasPrefix(hints[i-1], "did you mean ") {
		i--
	}
	return slices.Insert(slices.Clone(hints), i, meant...)
}

// configOriginHint adds to a usage error that names a value the user did
// not type — a flag the configuration filled (HOOKCTL_PROVIDER=stripe:
// unknown event "card.created" for provider stripe) — where it came from.
func configOriginHint(err error, cfg *config.Config) error {
	if cfg == nil || len(cfg.Filled()) == 0 {
		return err
	}
	var ee *cli.ExitError
	var ce cli.CodeError
	switch {
	case errors.As(err, &ee):
		if ee.Code != cli.ExitUsage || ee.Err == nil {
			return err
		}
	case errors.As(err, &ce):
		if ce.ExitCode() != cli.ExitUsage {
			return err
		}
	default:
		return err
	}
	msg := err.Error()
	var hints []string
	for _, fl := range cfg.Filled() {
		named := strings.Contains(msg, fl.Flag) || strings.Contains(msg, strings.ReplaceAll(fl.Flag, "-", " "))
		if named && strings.Contains(msg, fl.Value) {
			hints = append(hints, fmt.Sprintf("--%s %s comes from %s", fl.Flag, fl.Value, cfg.Origin(fl.Key)))
		}
	}
	if len(hints) == 0 {
		return err
	}
	// reportError puts the error's own hints (did you mean …) first.
	out := cli.WithCode(cli.ExitUsage, err)
	for _, h := range hints {
		out = out.Hint("%s", h)
	}
	return out
}

// outputError is err as an environment problem (exit 3, with a hint) when
// it is a failed write to stdout, named path: a full disk
// (`hookctl store export > /dev/full`), a file too large, an I/O error.
// The data could not be written; the command did not fail. An error that
// already carries another code than 1 keeps it.
func outputError(err error, path string) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "write" || pe.Path != path {
		return err
	}
	var ee *cli.ExitError
	if errors.As(err, &ee) && ee.Code != cli.ExitFailed {
		return err
	}
	var ce cli.CodeError
	if errors.As(err, &ce) && ce.ExitCode() != cli.ExitFailed {
		return err
	}
	return cli.WithCode(cli.ExitEnvironment, fmt.Errorf("writing the output (stdout): %w", pe.Err)).
		Hint("the output is incomplete: free space where stdout goes, or send it elsewhere")
}

// reportError prints err on w in hookctl's voice (the error line, then
// its hints) and returns its exit code.
func reportError(w io.Writer, ctx context.Context, err error) int {
	rep := describeError(ctx, err)
	rep.print(w)
	return rep.code
}

// errorReport is what hookctl says of a failed run: the error line (""
// when the command already said what happened), its hints, the exit code.
type errorReport struct {
	msg   string
	hints []string
	code  int
	// unknown is the name of an unknown top-level command (cobra's
	// `unknown command "tail" for "hookctl"`), for verbAloneHints.
	unknown string
}

func (r errorReport) print(w io.Writer) {
	if r.msg == "" {
		return
	}
	fmt.Fprintf(w, "hookctl: error: %s\n", r.msg)
	for _, h := range r.hints {
		fmt.Fprintf(w, "hookctl: hint: %s\n", h)
	}
}

func describeError(ctx context.Context, err error) errorReport {
	code := cli.ExitFailed
	var hints []string
	var unknown string
	var ee *cli.ExitError
	var ce cli.CodeError
	var he cli.HintError
	switch {
	case errors.As(err, &ee):
		code = ee.Code
		hints = ee.Hints
		if ee.Err == nil {
			return errorReport{code: code}
		}
		if errors.As(ee.Err, &he) {
			hints = append(he.Hints(), hints...)
		}
	case errors.As(err, &ce):
		code = ce.ExitCode()
	case strings.HasPrefix(err.Error(), "unknown command "):
		// cobra's own error for `hookctl <typo>`, suggestions included.
		code = cli.ExitUsage
		msg, sugg, _ := strings.Cut(err.Error(), "\n\nDid you mean this?\n")
		err = errors.New(msg)
		rest := strings.TrimPrefix(msg, "unknown command ")
		if q, qerr := strconv.QuotedPrefix(rest); qerr == nil && rest[len(q):] == ` for "hookctl"` {
			unknown, _ = strconv.Unquote(q)
		}
		for _, f := range strings.Fields(sugg) {
			hints = append(hints, fmt.Sprintf("did you mean %q?", f))
		}
		hints = append(hints, "run \"hookctl --help\" for the commands")
	}
	if ee == nil && errors.As(err, &he) {
		hints = he.Hints()
	}
	var nf *store.NotFoundError
	if len(hints) == 0 && errors.As(err, &nf) {
		// An ID that names nothing: where to find the right one.
		if list := notFoundList[nf.Kind]; list != "" {
			hints = append(hints, "list them with \""+list+"\"")
		}
	}
	// A context error first: asking ctx would subscribe it to signals.
	ctxErr := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if ctxErr && ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())) {
		return errorReport{msg: "interrupted", code: cli.ExitInterrupted}
	}
	return errorReport{msg: err.Error(), hints: hints, code: code, unknown: unknown}
}

// notFoundList is the command that lists the IDs of a kind of record,
// for the hint of an ID that names none.
var notFoundList = map[string]string{
	"subscription": "hookctl subscriptions list",
	"delivery":     "hookctl deliveries list",
	"event":        "hookctl events log",
}

// Command groups shown in help.
const (
	groupWebhooks = "webhooks"
	groupManage   = "manage"
	groupSign     = "signatures"
	groupSetup    = "setup"
)

// subcommand is one top-level command: its group, the names it answers to
// (its Use word and aliases), its one-line summary and its constructor.
type subcommand struct {
	group string
	names []string
	short string
	build func(*cli.Factory) *cobra.Command
}

// subcommands lists hookctl's top-level commands in help order. names and
// short must match what build returns (TestSubcommandNames and
// TestHelpStubs check): they let Run build only the command a run asks
// for, and only stand-ins for the root's help.
var subcommands = []subcommand{
	{groupWebhooks, []string{"trigger"}, "Send a signed sample event to every matching subscription", trigger.NewCmd},
	{groupWebhooks, []string{"listen"}, "Receive, verify and forward webhooks to your app", listen.NewCmd},
	{groupWebhooks, []string{"replay"}, "Resend deliveries with the exact body first sent", replay.NewCmd},
	{groupWebhooks, []string{"worker"}, "Deliver pending deliveries until interrupted", worker.NewCmd},
	{groupWebhooks, []string{"serve"}, "Run the providers' APIs locally: Bond, Stripe-style, Svix, Mambu", serve.NewCmd},
	{groupWebhooks, []string{"demo"}, "A self-contained tour: receiver, listen, trigger, retry, replay", demo.NewCmd},
	{groupWebhooks, []string{"check"}, "Check that a receiver verifies, acknowledges and de-duplicates", checkcmd.NewCmd},
	{groupWebhooks, []string{"ui"}, "Open the web inspector: live log, replay, edit and resend, diff", uicmd.NewCmd},
	{groupManage, []string{"subscribe"}, "Create a subscription: a callback URL for some events", subscribe.NewCmd},
	{groupManage, []string{"subscriptions", "subscription", "subs"}, "List, show, change, rotate and delete subscriptions", subscriptions.NewCmd},
	{groupManage, []string{"events"}, "Browse the event catalog and the log of events sent and received", events.NewCmd},
	{groupManage, []string{"deliveries"}, "Inspect the delivery log", deliveries.NewCmd},
	{groupSign, []string{"sign"}, "Sign a body read from stdin and print the headers to send", sign.NewCmd},
	{groupSign, []string{"verify"}, "Verify a signed body read from stdin", verify.NewCmd},
	{groupSetup, []string{"config"}, "Show and change settings", configcmd.NewCmd},
	{groupSetup, []string{"store"}, "Inspect, migrate, export, import and prune the store", storecmd.NewCmd},
	{groupSetup, []string{"completion"}, "Print a shell completion script", completioncmd.NewCmd},
	{groupSetup, []string{"version"}, "Print hookctl's version, commit and Go version", versioncmd.NewCmd},
}

// stub is what the root's help shows of sc: a runnable command with its
// name, aliases and summary, none of its flags or sub-commands.
func (sc subcommand) stub() *cobra.Command {
	return &cobra.Command{Use: sc.names[0], Aliases: sc.names[1:], Short: sc.short, Run: func(*cobra.Command, []string) {}}
}

// rootHelp is what commandFor returns for a run that only prints the
// root's help (hookctl, hookctl --help or -h, hookctl help): the root gets
// stubs of its commands, which print the same help as the whole tree at a
// fraction of its start-up cost (every command's flags and sub-commands).
// It is no command's name.
const rootHelp = " root help"

// commandFor returns the top-level command args run when that is plain from
// the first argument alone, rootHelp when the run prints only the root's
// help, else "". Building only that command keeps the start of most runs
// cheap (constructing every command and its flags is most of the
// in-process start-up cost). The whole tree is built whenever anything may
// look at it: a global flag before the command, a typo to suggest for,
// help on a command, completion and cobra's hidden __complete commands.
func commandFor(args []string) string {
	if len(args) == 0 {
		return rootHelp
	}
	name := args[0]
	if len(args) == 1 && (name == "--help" || name == "-h" || name == "help") {
		return rootHelp
	}
	if name == "completion" {
		return "" // generates scripts from the whole tree
	}
	for _, sc := range subcommands {
		if slices.Contains(sc.names, name) {
			return name
		}
	}
	return ""
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *cli.Factory) *cobra.Command { return newRootCmd(f, "") }

// newRootCmd builds the root command with every top-level command, with
// only the one named only (when not ""), or with stubs of them all (only ==
// rootHelp).
func newRootCmd(f *cli.Factory, only string) *cobra.Command {
	var (
		configFile string
		storeFlag  string
		output     string
		noColor    bool
	)
	root := &cobra.Command{
		Use:   "hookctl <command> [flags]",
		Short: "Build, send, receive, verify and replay webhooks locally",
		Long: `hookctl plays the webhook provider on your laptop and in CI: it stores
subscriptions, sends realistic signed events (Bond, Mono, Mambu, SaaS billing,
Standard Webhooks, Stripe, GitHub) with retries, verifies and forwards what
your app receives, and replays what failed. No account, no network.`,
		Example: `  hookctl demo
  hookctl listen --forward localhost:3000/webhooks
  hookctl trigger card.created
  hookctl subscribe --url http://localhost:3000/webhooks --events 'card.*,kyc.*'
  hookctl replay --failed --yes`,
		Version:       f.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			// --config "$CFG" with the variable unset read as no --config:
			// the default file, perhaps naming another store.
			if err := cli.NonEmptyFlags(cmd, "config"); err != nil {
				return err
			}
			cfg, err := config.Load(config.Options{ExplicitFile: configFile})
			if err != nil {
				if errors.Is(err, config.ErrConfigNotFound) {
					return cli.Usagef("%v", err).Hint("create it, or drop --config to use %s", config.Dir(os.Getenv))
				}
				var fe *config.FileError
				if !errors.As(err, &fe) {
					return cli.Envf("%v", err)
				}
				if !worksWithoutConfig(cmd) && !repairsConfig(cmd, fe) {
					// WithCode keeps the file error's own hints (did you mean …).
					ce := cli.WithCode(cli.ExitEnvironment, err)
					// A file given with --config is named: the commands
					// without it read and change the default file.
					explicit := configFile != ""
					if uk := (*config.UnknownKeyError)(nil); errors.As(err, &uk) {
						ce = ce.Hint("remove it: %s", config.Command(fe.File, explicit, "unset "+uk.Name))
					}
					edit := `$EDITOR "$(hookctl config path)"`
					if explicit {
						edit = "$EDITOR " + config.ShellArg(fe.File)
					}
					return ce.Hint("fix the file or move it away (%s)", edit)
				}
				// Where the broken file is (what the user needs to fix it),
				// the version, the completion scripts: none reads a value.
				cfg = fe.Config
			}
			if err := cfg.ApplyToFlags(cmd.Flags()); err != nil && !isCompletionRequest(cmd) {
				return cli.WithCode(cli.ExitUsage, err) // with its hints (did you mean …)
			}
			if cmd.Flags().Changed("store") || storeFlag != "" {
				cfg.Store = storeFlag
			}
			switch {
			case output == ui.FormatTable, output == ui.FormatJSON:
			case isCompletionRequest(cmd):
				output = ui.FormatTable // candidates are not rendered
			default:
				// The usage hint every other flag error has.
				return cli.Usagef("invalid --output %q: want table or json", output).Suggest(output, "table", "json").
					Hint("run \"%s --help\" for usage", cmd.CommandPath())
			}
			f.Config = cfg
			f.IOStreams.SetFormat(output)
			f.IOStreams.DecideColor(noColor)
			if !isCompletionRequest(cmd) {
				for _, w := range cfg.Warnings() {
					fmt.Fprintln(f.IOStreams.ErrOut, "hookctl: "+w)
				}
			}
			return nil
		},
	}
	root.SetVersionTemplate("hookctl {{.Version}}\n")
	// --help on a terminal fits its width (help goes to stdout).
	root.SetUsageFunc(cli.WrappedUsage(f.IOStreams.OutWidth, root.UsageFunc()))
	root.SetHelpFunc(cli.WrappedHelp(f.IOStreams.OutWidth, root.HelpFunc()))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// `subscriptions create --url …`: the unknown command, not its flag, is the mistake.
		if c.HasSubCommands() && c.HasParent() && c.Flags().NArg() > 0 {
			return unknownSubcommand(c, c.Flags().Arg(0))
		}
		return cli.FlagError(c, err) // did-you-mean for an unknown flag, then the usage hint
	})
	pf := root.PersistentFlags()
	pf.StringVar(&configFile, "config", "", "config `file` (default: config.yaml in $HOOKCTL_CONFIG_DIR, $XDG_CONFIG_HOME/hookctl or ~/.config/hookctl; hookctl config path)")
	pf.StringVar(&storeFlag, "store", "", "store: SQLite file `path` or postgres:// URL (env HOOKCTL_STORE)")
	pf.StringVarP(&output, "output", "o", ui.FormatTable, "output `format`: {table|json} (env HOOKCTL_OUTPUT)")
	pf.BoolVar(&noColor, "no-color", false, "disable colour (also NO_COLOR, CLICOLOR=0, TERM=dumb)")
	_ = root.RegisterFlagCompletionFunc("output", cli.CompleteFixed(ui.FormatTable, ui.FormatJSON))

	root.AddGroup(
		&cobra.Group{ID: groupWebhooks, Title: "Webhooks:"},
		&cobra.Group{ID: groupManage, Title: "Subscriptions and history:"},
		&cobra.Group{ID: groupSign, Title: "Signatures:"},
		&cobra.Group{ID: groupSetup, Title: "Setup:"},
	)
	for _, sc := range subcommands {
		var c *cobra.Command
		switch {
		case only == rootHelp:
			c = sc.stub()
		case only != "" && !slices.Contains(sc.names, only):
			continue
		default:
			c = sc.build(f)
		}
		c.GroupID = sc.group
		root.AddCommand(c)
	}
	if only != "" && only != rootHelp {
		// The tree has hookctl's own completion command only when whole;
		// cobra must not add its default one to a partial tree.
		root.CompletionOptions.DisableDefaultCmd = true
	}
	root.SetHelpCommand(newHelpCmd())
	root.SetHelpCommandGroupID(groupSetup)
	root.SetCompletionCommandGroupID(groupSetup)
	usageArgs(root)
	// Known before cobra parses (it adds them only once it has found the
	// command): else --help and --version read as flags taking a value, so
	// 'hookctl --help -o json' took -o for --help's value and "json" for
	// an unknown command.
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	return root
}

// synonyms are words people try for a command hookctl names differently.
var synonyms = map[string]map[string]string{
	"subscriptions": {"create": "hookctl subscribe", "add": "hookctl subscribe", "new": "hookctl subscribe",
		"remove": "hookctl subscriptions delete", "rm": "hookctl subscriptions delete", "edit": "hookctl subscriptions update",
		"rotate": "hookctl subscriptions rotate-secret"},
	"deliveries": {"replay": "hookctl replay", "retry": "hookctl replay"},
	"events":     {"send": "hookctl trigger", "trigger": "hookctl trigger"},
}

// unknownSubcommand is `hookctl NOUN VERB` with an unknown verb: exit 2,
// with the command meant when there is one.
func unknownSubcommand(c *cobra.Command, name string) error {
	e := cli.Usagef("unknown command %q for %q", name, c.CommandPath())
	if to, ok := synonyms[c.Name()][name]; ok {
		return e.Hint("did you mean %q?", to)
	}
	c.SuggestionsMinimumDistance = 2
	low := strings.ToLower(name)
	// closeness is how near name is to a command's name or alias: 0 for a
	// prefix, else the edit distance; the closest is suggested first
	// (cobra gives its suggestions in command order: "subscriptions lst"
	// offered get before list).
	closeness := func(word string) int {
		word = strings.ToLower(word)
		if strings.HasPrefix(word, low) {
			return 0
		}
		return textdist.Distance(low, word)
	}
	type suggestion struct {
		name string
		dist int
	}
	var found []suggestion
	suggested := map[string]bool{}
	for _, s := range c.SuggestionsFor(name) {
		suggested[s] = true
		found = append(found, suggestion{s, closeness(s)})
	}
	// cobra compares names only: a typo of an alias (subscriptions sho,
	// shw for show, get's alias) gets its command too.
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || suggested[sub.Name()] {
			continue
		}
		for _, a := range sub.Aliases {
			if d := closeness(a); d <= c.SuggestionsMinimumDistance {
				suggested[sub.Name()] = true
				found = append(found, suggestion{sub.Name(), d})
				break
			}
		}
	}
	slices.SortStableFunc(found, func(a, b suggestion) int { return a.dist - b.dist })
	for _, f := range found {
		e = e.Hint("did you mean %q?", c.CommandPath()+" "+f.name)
	}
	if len(found) == 0 {
		// A group's few commands, named: the --help hint alone said
		// nothing of what to type.
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && sub.Name() != "help" {
				names = append(names, sub.Name())
			}
		}
		if len(names) > 0 {
			e = e.Hint("%s takes: %s", c.CommandPath(), strings.Join(names, ", "))
		}
	}
	return e.Hint("run \"%s --help\" for the commands", c.CommandPath())
}

// newHelpCmd is cobra's help command, except that an unknown topic is bad
// usage (exit 2) instead of a message and exit 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help provides help for any command in the application.\nSimply type hookctl help [path to command] for full details.",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				e := cli.Usagef("unknown help topic %q", strings.Join(args, " "))
				// help stor, help store exprot: the topic meant, as
				// hookctl stor and hookctl store exprot suggest it.
				parent, word := c.Root(), args[0]
				if cmd != nil && err == nil && len(rest) > 0 {
					parent, word = cmd, rest[0]
				}
				if parent.SuggestionsMinimumDistance <= 0 {
					parent.SuggestionsMinimumDistance = 2 // cobra's default, set only for its own errors
				}
				sugg := parent.SuggestionsFor(word)
				// The closest first (cobra gives them in command order).
				slices.SortStableFunc(sugg, func(a, b string) int {
					return textdist.Distance(word, a) - textdist.Distance(word, b)
				})
				for _, s := range sugg {
					e = e.Hint("did you mean %q?", strings.TrimPrefix(parent.CommandPath()+" "+s, "hookctl "))
				}
				return e.Hint("run \"%s --help\" for the commands", parent.CommandPath())
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// usageArgs makes every positional-argument error a usage error (exit 2),
// like flag errors, whichever cobra validator a command uses; a group
// command (subscriptions, events, …) given an unknown sub-command says so
// with exit 2 instead of printing help. Every duration flag also reads days
// and weeks (7d, 2w).
func usageArgs(c *cobra.Command) {
	switch {
	case c.HasParent() && c.HasSubCommands():
		c.Args = cobra.ArbitraryArgs
		run := c.RunE
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(c, args[0])
			}
			if run != nil {
				return run(c, args)
			}
			return c.Help()
		}
	case c.Args != nil:
		c.Args = cli.Args(c.Args)
	}
	cli.HumanDurations(c.Flags())
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// worksWithoutConfig: commands that run with an unreadable config file.
// repairsConfig: config set and unset work on a config file that holds
// a bad value or an unknown key (it was exit 3, so `config set output
// json` could not repair `output: yaml`); they check what they set, and
// warn of what is still wrong. A file that is not YAML stays an error.
func repairsConfig(cmd *cobra.Command, fe *config.FileError) bool {
	p := cmd.CommandPath()
	if p != "hookctl config set" && p != "hookctl config unset" || fe.Config == nil {
		return false
	}
	// A link to a file not there yet (dotfiles): set writes through it.
	return fe.Config.FileExists && fe.Checked || fe.Link != ""
}

func worksWithoutConfig(cmd *cobra.Command) bool {
	switch p := cmd.CommandPath(); p {
	case "hookctl config path", "hookctl version", "hookctl completion":
		return true
	default:
		return isCompletionRequest(cmd) || cmd.Parent() != nil && cmd.Parent().Name() == "completion"
	}
}

// isCompletionRequest: cobra's hidden __complete (the shells' TAB). A
// broken config file or a bad HOOKCTL_* value must not take every
// completion away (not even `hookctl conf<TAB>`, the command that finds
// the file to fix): candidates need no setting but the store, which
// cli.CompletionStore resolves itself (and leaves alone when the config
// file cannot be read). The command the user then runs reports the
// problem.
func isCompletionRequest(cmd *cobra.Command) bool {
	return cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd
}
