// Package sign implements `hookctl sign`.
package sign

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/ui"
)

// Output formats of --format.
const (
	FormatHeaders = "headers"
	FormatJSON    = "json"
	FormatCurl    = "curl"
)

// Options are the parsed flags of the command.
type Options struct {
	IO        *ui.IOStreams
	Scheme    signature.Scheme
	Secrets   []string
	ID        string
	EventType string
	Timestamp time.Time
	Format    string
}

// NewCmd returns the command.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	var (
		scheme, timestamp string
		sf                SecretFlags
	)
	c := &cobra.Command{
		Use:   "sign [--scheme <scheme>] --secret <secret> [--id <id>] [--timestamp <time>] [--format {headers|json|curl}] [flags] < <body>",
		Short: "Sign a body read from stdin and print the headers to send",
		Long: `Sign a request body the way a provider does and print the headers to send
with it: "Name: value" lines, a JSON object, or curl -H arguments.

The body is read raw from stdin, byte for byte: nothing is trimmed or added,
so a trailing newline (as echo adds) is part of what is signed. Use printf or
a file to control it exactly.

Schemes:
` + SchemeHelp() + `

The secret comes from --secret, --secret-file or $HOOKCTL_SECRET (keeps it
out of shell history). Several --secret flags sign with each (rotation),
where the scheme allows several signatures. Without --id, a fresh id in the
scheme's form is used where the scheme has an id header (webhook-id,
svix-id, X-GitHub-Delivery, x-notifications-idempotency-key,
X-Shopify-Webhook-Id); stripe, bond, mono, paystack and slack send none, as
their providers do, and refuse --id. Without --timestamp, now.`,
		Example: `  printf '{"type":"ping"}' | hookctl sign --scheme standard --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  hookctl sign --scheme stripe --secret whsec_test_secret --timestamp 1614265330 < event.json
  hookctl sign --scheme github --secret-file secret.txt --id 72d3162e-cc78-11e3-81ab-4c9367dc0958 --event push -o json < push.json
  eval curl -sS --data-binary @body.json http://localhost:3000/webhooks "$(hookctl sign --scheme bond --secret "$S" --format curl < body.json)"`,
		Args: NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			// A configured scheme of auto (verify's, subscribe's default)
			// names no way to sign: sign falls back to its own default.
			if scheme == "" || (scheme == "auto" && !c.Flags().Changed("scheme")) {
				scheme = "standard"
			}
			if scheme == "auto" {
				return cli.Usagef("--scheme auto only makes sense for verify: name the scheme to sign with").Hint("valid schemes: %s", strings.Join(signature.Names(), ", "))
			}
			s, err := signature.Lookup(scheme)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err) // did you mean, and the valid schemes
			}
			opts.Scheme = s
			if opts.Secrets, err = sf.Read(c.ErrOrStderr(), os.Getenv, s.Name() == "mambu"); err != nil {
				return err
			}
			for _, secret := range opts.Secrets {
				if err := signature.ValidateSigningSecret(s.Name(), secret); err != nil {
					return secretError(err)
				}
			}
			// Both go into a header: a line break would print (and
			// --header-file would read) a header the user never asked for.
			for _, v := range []struct{ flag, val string }{{"--id", opts.ID}, {"--event", opts.EventType}} {
				if strings.ContainsAny(v.val, "\r\n\x00") {
					return cli.Usagef("invalid %s %q: it goes into a header and cannot contain a line break", v.flag, v.val).
						Hint("give %s on one line, e.g. %s evt_123", v.flag, v.flag)
				}
			}
			if opts.ID != "" && signature.IDHeader(s.Name()) == "" {
				// The provider sends no id header: hookctl does not make
				// one up (a receiver keyed on it fails in production).
				return cli.Usagef("--id: the %s scheme sends no id header, so there is nothing to put it in", s.Name()).
					Hint("the event's id, where it has one, is in the body; schemes with an id header: standard, svix, standard-ed25519, github, mambu, shopify")
			}
			opts.Timestamp = f.Now()
			if timestamp != "" {
				if opts.Timestamp, err = signature.ParseTime(timestamp); err != nil {
					return cli.Usagef("--timestamp: %v", err).
						Hint("e.g. --timestamp 1700000000 (Unix seconds) or --timestamp 2026-11-30T12:00:00Z")
				}
			}
			switch opts.Format {
			case FormatHeaders, FormatJSON, FormatCurl:
			default:
				return cli.Usagef("invalid --format %q: want headers, json or curl", opts.Format).
					Hint("e.g. --format curl for a curl command line; --format headers is the default")
			}
			// -o json means --format json, but an explicit --format wins
			// over an output format from HOOKCTL_OUTPUT or the config file
			// (eval "curl $(hookctl sign --format curl …)" must keep
			// working there); both on the command line must agree.
			if opts.IO.JSON() && opts.Format != FormatJSON {
				switch {
				case !c.Flags().Changed("format"):
					opts.Format = FormatJSON
				case c.Flags().Changed("output"):
					return cli.Usagef("--format %s and --output json cannot be used together", opts.Format).
						Hint("drop -o json for --format %s, or drop --format for the JSON document", opts.Format)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&scheme, "scheme", "", "signature `scheme`: "+strings.Join(signature.Names(), ", ")+" (default standard)")
	sf.Register(c)
	fl.StringVar(&opts.ID, "id", "", "message/event `id` sent in the scheme's id header (default: a fresh one; schemes without one refuse it)")
	fl.StringVar(&opts.EventType, "event", "", "event `type`, sent where the scheme has a header for it (X-GitHub-Event without the action: pull_request.opened sends pull_request; X-Shopify-Topic)")
	fl.StringVar(&timestamp, "timestamp", "", "signing `time`: unix seconds or RFC 3339 (default now)")
	fl.StringVar(&opts.Format, "format", FormatHeaders, "output `format`: {headers|json|curl}")
	_ = c.RegisterFlagCompletionFunc("scheme", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return SchemeCompletions(false), cobra.ShellCompDirectiveNoFileComp
	})
	_ = c.RegisterFlagCompletionFunc("event", cli.CompleteEventTypes(nil))
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{FormatHeaders, FormatJSON, FormatCurl}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// NoArgs rejects arguments with a usage error (exit 2) that says where the
// body comes from.
func NoArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("unexpected argument %q: %s reads the body from stdin", args[0], c.CommandPath()).
			Hint("redirect the body: %s ... < %s", c.CommandPath(), args[0])
	}
	return nil
}

// Signed is the JSON form of the output (--format json or -o json).
type Signed struct {
	Scheme    string            `json:"scheme"`
	ID        string            `json:"id,omitempty"`
	Timestamp int64             `json:"timestamp"`
	Headers   map[string]string `json:"headers"`
	// PublicKey is the whpk_ key receivers verify standard-ed25519 with.
	PublicKey string `json:"public_key,omitempty"`
}

func run(opts *Options) error {
	if opts.IO.IsStdinTTY() {
		fmt.Fprintln(opts.IO.ErrOut, "hookctl: reading the body from stdin (end with Ctrl-D)")
	}
	body, err := io.ReadAll(opts.IO.In)
	if err != nil {
		return cli.Failf("reading the body from stdin: %v", err)
	}
	name := opts.Scheme.Name()
	if len(body) == 0 && name != "mono" && name != "mambu" {
		// A script that forgot to pipe the body (CI's stdin is empty)
		// got headers for an empty body without a word, which its
		// receiver then refused for the body it did send.
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: note: stdin was empty: these headers sign an empty body (give it on stdin: hookctl sign … < body.json)\n")
	}
	idHeader := signature.IDHeader(name)
	id := opts.ID
	if id == "" && idHeader != "" {
		id = signature.NewID(name)
	}
	eventType := opts.EventType
	if name == "github" {
		// The catalog's pull_request.opened (what --event completes) is
		// X-GitHub-Event: pull_request, the action being in the body, as
		// trigger sends it; GitHub's event names have no dot.
		eventType = catalog.GitHubEventHeader(eventType)
	}
	h, err := opts.Scheme.Sign(signature.SignInput{Secrets: opts.Secrets, ID: id, Timestamp: opts.Timestamp, Body: body, EventType: eventType})
	if err != nil {
		return secretError(err)
	}
	lines := headerLines(h)
	switch opts.Format {
	case FormatJSON:
		out := Signed{Scheme: name, ID: id, Timestamp: opts.Timestamp.Unix(), Headers: map[string]string{}}
		for _, l := range lines {
			out.Headers[l[0]] = l[1]
		}
		if name == "standard-ed25519" {
			out.PublicKey, _ = signature.PublicKey(opts.Secrets[0])
		}
		return ui.WriteJSON(opts.IO.Out, out)
	case FormatCurl:
		args := make([]string, len(lines))
		for i, l := range lines {
			args[i] = "-H " + shellQuote(l[0]+": "+l[1])
		}
		_, err = fmt.Fprintln(opts.IO.Out, strings.Join(args, " "))
		return err
	}
	for _, l := range lines {
		if _, err := fmt.Fprintf(opts.IO.Out, "%s: %s\n", l[0], l[1]); err != nil {
			return err
		}
	}
	return nil
}

// headerLines returns the headers as (provider spelling, value) pairs,
// sorted by name.
func headerLines(h http.Header) [][2]string {
	var out [][2]string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, [2]string{signature.HeaderName(k), v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i][0]) < strings.ToLower(out[j][0]) })
	return out
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// secretError maps a bad secret to exit 2 (bad input) and other signing
// errors to exit 1.
func secretError(err error) error {
	if ve, ok := err.(*signature.VerifyError); ok && ve.Reason == signature.ReasonBadSecret {
		return cli.Usagef("%v", err).Hint("generate one in the scheme's form with \"hookctl subscribe\", or see \"hookctl sign --help\"")
	}
	return cli.Failf("%v", err)
}

// SchemeHelp is the table of schemes for help text: each description
// wrapped to the 80 columns the help's other paragraphs keep to, under
// itself (its lines were up to 145 columns).
func SchemeHelp() string {
	var b strings.Builder
	for _, n := range signature.Names() {
		b.WriteString(ui.Wrap(fmt.Sprintf("  %-17s %s", n, signature.Describe(n)), 80, strings.Repeat(" ", 20)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// SchemeCompletions lists scheme names with descriptions for completion.
func SchemeCompletions(auto bool) []string {
	var out []string
	if auto {
		out = append(out, "auto\tdetect the scheme from the headers")
	}
	for _, n := range signature.Names() {
		out = append(out, n+"\t"+signature.Describe(n))
	}
	return out
}

// ErrEmptySecret: --secret ” (often "$SECRET" with the variable unset).
var ErrEmptySecret = errors.New("--secret is empty")

// SecretFlags are --secret, --secret-file and $HOOKCTL_SECRET, shared by
// sign and verify.
type SecretFlags struct {
	Secrets []string
	File    string
}

// Register adds the flags to c.
func (s *SecretFlags) Register(c *cobra.Command) {
	c.Flags().StringArrayVar(&s.Secrets, "secret", nil, "signing `secret` (repeat for rotation; default $HOOKCTL_SECRET)")
	c.Flags().StringVar(&s.File, "secret-file", "", "read the secret(s) from `file`, one per line (warns unless only you may read it)")
}

// Read returns the secrets given by flag, file or environment; optional
// allows none. A file other users may read is warned about on w.
func (s *SecretFlags) Read(w io.Writer, getenv func(string) string, optional bool) ([]string, error) {
	if len(s.Secrets) > 0 && s.File != "" {
		return nil, cli.Usagef("give --secret or --secret-file, not both").
			Hint("--secret takes the secret itself, --secret-file a file of secrets, one per line: keep one of them")
	}
	if len(s.Secrets) > 0 {
		for _, v := range s.Secrets {
			if v == "" {
				return nil, (&cli.ExitError{Code: cli.ExitUsage, Err: ErrEmptySecret}).
					Hint("is a shell variable unset? give the secret itself, --secret-file FILE, or set HOOKCTL_SECRET")
			}
		}
		return s.Secrets, nil
	}
	if s.File != "" {
		return cli.SecretFile(w, s.File)
	}
	if v := strings.TrimSpace(getenv("HOOKCTL_SECRET")); v != "" {
		return []string{v}, nil
	}
	if optional {
		return nil, nil
	}
	return nil, cli.Usagef("a secret is required").Hint("pass --secret <secret>, --secret-file <file>, or set HOOKCTL_SECRET")
}
