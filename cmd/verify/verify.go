// Package verify implements `hookctl verify`.
package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd/sign"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of the command.
type Options struct {
	IO        *ui.IOStreams
	Scheme    string // a scheme name or "auto"
	Secrets   []string
	Header    http.Header
	Tolerance time.Duration // 0 = the scheme's default; signature.NoTolerance = no check
	Now       time.Time
	// Dump is the body a raw HTTP request given as --header-file held
	// after its headers (nil: none); DumpFile names that file.
	Dump     []byte
	DumpFile string
}

// NewCmd returns the command.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	var (
		headers         []string
		headerFile, now string
		ignoreTimestamp bool
		sf              sign.SecretFlags
	)
	c := &cobra.Command{
		Use:   "verify [--scheme {<scheme>|auto}] --secret <secret> --header 'Name: value'... [--tolerance <duration>] [--now <time>] [flags] < <body>",
		Short: "Verify a signed body read from stdin",
		Long: `Verify a request's signature: give its headers with --header (or a file of
"Name: value" lines with --header-file) and its raw body on stdin, byte for
byte (nothing is trimmed: a trailing newline the sender did not sign makes
the signature fail).

Prints "valid" and exits 0, or prints the precise reason and exits 1:
a missing or malformed header, no matching signature (wrong secret or a
changed body), or a timestamp outside the tolerance — which says when the
signature is otherwise valid. A secret of the wrong form is bad input
(exit 2).

With --scheme auto (the default) the scheme is detected from the headers,
in this order: webhook-/svix-signature (standard, or standard-ed25519 for
v1a), Stripe-Signature, Bond-Signature, X-Hub-Signature-256/X-Hub-Signature,
X-Slack-Signature, X-Shopify-Hmac-Sha256, x-paystack-signature,
mono-webhook-secret, x-notifications-idempotency-key (mambu).

Schemes:
` + sign.SchemeHelp() + `

Several --secret flags (or lines of --secret-file) are tried in turn, as
during a secret rotation. For standard-ed25519 give the whpk_ public key.

--header-file also takes a raw HTTP request as saved (nc -l, a proxy):
its request line (POST /path HTTP/1.1) is skipped, its headers end at
the first blank line, and the body after them (cut to its Content-Length)
is verified when nothing is piped on stdin or stdin is empty; a body
piped on stdin is verified instead, with a note that the file's is
ignored.`,
		Example: `  printf '{"test": 2432232314}' | hookctl verify --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
      -H 'webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek' -H 'webhook-timestamp: 1614265330' \
      -H 'webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' --now 1614265330
  hookctl verify --scheme stripe --secret-file secret.txt -H "Stripe-Signature: $SIG" < event.json
  hookctl sign --scheme bond --secret "$S" < body.json > headers.txt && hookctl verify --secret "$S" --header-file headers.txt < body.json
  hookctl verify --secret "$S" --header-file headers.txt --ignore-timestamp -o json < body.json`,
		Args: sign.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			// -o json: a bad flag value gets the result document too
			// ("valid": false and the error), as a secret of the wrong
			// form does: a CI step with --secret "$UNSET" had an empty
			// stdout to parse.
			if err := func() error {
				if opts.Scheme == "" {
					opts.Scheme = "auto"
				}
				if opts.Scheme != "auto" {
					s, err := signature.Lookup(opts.Scheme)
					if err != nil {
						return cli.WithCode(cli.ExitUsage, signature.UnknownScheme(opts.Scheme, true))
					}
					opts.Scheme = s.Name()
				}
				var err error
				if opts.Secrets, err = sf.Read(c.ErrOrStderr(), os.Getenv, opts.Scheme == "mambu"); err != nil {
					return err
				}
				opts.Header = http.Header{}
				if headerFile != "" {
					if opts.Header, opts.Dump, err = readHeaderFile(headerFile); err != nil {
						return err
					}
					opts.DumpFile = headerFile
				}
				for _, l := range headers {
					name, value, err := ParseHeader(l)
					if err != nil {
						return cli.Usagef("%v", err).Hint(`write headers as --header 'Name: value'`)
					}
					opts.Header.Add(name, value)
				}
				if opts.Tolerance < 0 {
					return cli.Usagef("--tolerance must not be negative").Hint("use --ignore-timestamp to skip the timestamp check")
				}
				if opts.Tolerance == 0 && c.Flags().Changed("tolerance") {
					// 0 is how the flag's default (the scheme's window) is
					// spelt inside: an explicit 0 silently meant 5 minutes.
					return cli.Usagef("--tolerance must be positive, e.g. --tolerance 1s").Hint("leave it out for the scheme's own window (5m for most)")
				}
				if ignoreTimestamp {
					if c.Flags().Changed("tolerance") {
						return cli.Usagef("give --tolerance or --ignore-timestamp, not both").
							Hint("--ignore-timestamp accepts any age, --tolerance 10m a bounded one: keep one of them")
					}
					opts.Tolerance = signature.NoTolerance
				}
				opts.Now = f.Now()
				if now != "" {
					if opts.Now, err = signature.ParseTime(now); err != nil {
						return cli.Usagef("--now: %v", err).
							Hint("e.g. --now 1700000000 (Unix seconds) or --now 2026-11-30T12:00:00Z")
					}
				}
				return nil
			}(); err != nil {
				if opts.IO.JSON() {
					_ = usageResult(opts, err)
				}
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Scheme, "scheme", "", "signature `scheme`: auto, "+strings.Join(signature.Names(), ", ")+" (default auto)")
	sf.Register(c)
	fl.StringArrayVarP(&headers, "header", "H", nil, "request header as `'Name: value'` (repeatable)")
	fl.StringVar(&headerFile, "header-file", "", "read request headers from `file`: 'Name: value' lines, the JSON of 'hookctl sign -o json' (as sign prints them), or a raw HTTP request (its body used when stdin has none)")
	fl.DurationVar(&opts.Tolerance, "tolerance", 0, "accepted timestamp `age`, e.g. 10m (default: the scheme's, 5m for most)")
	fl.BoolVar(&ignoreTimestamp, "ignore-timestamp", false, "do not check the timestamp (verify an old recorded request)")
	fl.StringVar(&now, "now", "", "check the timestamp against this `time` (unix seconds or RFC 3339) instead of now")
	_ = c.RegisterFlagCompletionFunc("scheme", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return sign.SchemeCompletions(true), cobra.ShellCompDirectiveNoFileComp
	})
	return c
}

// ParseHeader splits "Name: value"; the value keeps everything but the
// surrounding spaces.
func ParseHeader(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		// A long line (a body's, given as a header file) is cut: it
		// was printed whole.
		shown := line
		if r := []rune(line); len(r) > 60 {
			shown = string(r[:60])
			return "", "", fmt.Errorf("invalid header %q… (%s): want 'Name: value'", shown, nbytes(len(line)))
		}
		return "", "", fmt.Errorf("invalid header %q: want 'Name: value'", shown)
	}
	return name, strings.TrimSpace(value), nil
}

// readHeaderFile reads the headers 'hookctl sign' wrote, in either of its
// forms: "Name: value" lines (--format headers; blank lines and # comments
// skipped) or its JSON (-o json, which output: json in the config makes
// sign's default: an object whose "headers" maps names to values, or that
// map alone).
func readHeaderFile(path string) (http.Header, []byte, error) {
	if path == "-" {
		// The body is read from stdin: "open -: no such file or
		// directory" said nothing of why the headers cannot be.
		return nil, nil, cli.Usagef("--header-file -: the headers cannot come from standard input, which holds the body").
			Hint("give the file \"hookctl sign\" wrote its headers to (hookctl sign … > headers.txt), a command's output (--header-file <(…)), or -H 'Name: value'")
	}
	b, err := os.ReadFile(config.ExpandHome(path)) // --header-file=~/…: the home directory's
	if err != nil {
		return nil, nil, cli.Usagef("reading --header-file: %v", err).
			Hint("give the file \"hookctl sign\" wrote its headers to, e.g. hookctl sign … > headers.txt")
	}
	if bytes.IndexByte(headerPart(b), 0) >= 0 {
		// A binary file (a gzipped body, a program): its first "line"
		// was printed whole in the error, thousands of escapes. (A raw
		// request's body may be anything: only its head is looked at.)
		return nil, nil, cli.Usagef("--header-file %s is not text: it holds bytes no header file has (%s)", path, nbytes(len(b))).
			Hint("give the file \"hookctl sign\" wrote its headers to (\"Name: value\" lines, or its -o json); the body goes on stdin")
	}
	h := http.Header{}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var signed struct {
			Headers map[string]string `json:"headers"`
		}
		var flat map[string]any
		if err := json.Unmarshal(t, &flat); err != nil {
			return nil, nil, cli.Usagef("--header-file %s: invalid JSON: %v", path, err).
				Hint("give the headers as 'hookctl sign' prints them: \"Name: value\" lines, or its -o json output")
		}
		_ = json.Unmarshal(t, &signed)
		if _, ok := flat["headers"]; !ok {
			signed.Headers = map[string]string{}
			for k, v := range flat {
				s, ok := v.(string)
				if !ok {
					return nil, nil, cli.Usagef("--header-file %s: the value of %q is not a string", path, k).
						Hint(`give an object of header names and values, or "hookctl sign -o json" output ({"headers": {…}})`)
				}
				signed.Headers[k] = s
			}
		}
		for k, v := range signed.Headers {
			name, value, err := ParseHeader(k + ": " + v)
			if err != nil {
				return nil, nil, cli.Usagef("--header-file %s: %v", path, err).
					Hint("give the headers as 'hookctl sign' prints them: \"Name: value\" lines, or its -o json output")
			}
			h.Add(name, value)
		}
		return h, nil, nil
	}
	n := 0
	dump := false // the file is a raw request: its request line came first
	off := 0      // where the next line starts
	for line := range strings.Lines(string(b)) {
		n++
		off += len(line)
		line = strings.TrimRight(line, "\r\n")
		if n == 1 && requestLine().MatchString(line) {
			// A raw request (nc -l, a proxy's or the inspector's raw
			// view): its request line, then its headers up to a blank
			// line, then its body.
			dump = true
			continue
		}
		if dump && line == "" {
			return h, dumpBody(b[off:], h), nil
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, err := ParseHeader(line)
		if err != nil {
			e := cli.Usagef("--header-file %s:%d: %v", path, n, err)
			if strings.HasPrefix(strings.TrimSpace(line), "-H ") {
				return nil, nil, e.Hint("that is \"hookctl sign --format curl\" output, for curl: write the file with --format headers (or -o json)")
			}
			return nil, nil, e.Hint("one \"Name: value\" per line, as \"hookctl sign\" prints them")
		}
		h.Add(name, value)
	}
	return h, nil, nil
}

// headerPart is b up to its first blank line: a raw request's head, or
// a whole file of headers.
func headerPart(b []byte) []byte {
	for _, sep := range []string{"\n\n", "\r\n\r\n"} {
		if i := bytes.Index(b, []byte(sep)); i >= 0 {
			b = b[:i]
		}
	}
	return b
}

func nbytes(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.Itoa(n) + " bytes"
}

// requestLine is an HTTP/1 request line: POST /webhooks HTTP/1.1.
var requestLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]+ \S+ HTTP/\d(\.\d)?$`) })

// dumpBody is the body of a raw request after its headers h: as many
// bytes as its Content-Length says where it says (an editor's or a
// capture's trailing newline is not the request's), nil when there are
// none.
func dumpBody(b []byte, h http.Header) []byte {
	if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n >= 0 && n <= len(b) {
		b = b[:n]
	}
	if len(b) == 0 {
		return nil
	}
	return b
}

// Result is the JSON output (-o json).
type Result struct {
	Valid  bool   `json:"valid"`
	Scheme string `json:"scheme,omitempty"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
}

func run(opts *Options) error {
	var body []byte
	switch {
	case opts.Dump != nil && opts.IO.IsStdinTTY():
		// Nothing piped: the request's own body, said so.
		body = opts.Dump
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: verifying the body in %s (%s after its headers)\n", opts.DumpFile, nbytes(len(body)))
	default:
		if opts.IO.IsStdinTTY() {
			fmt.Fprintln(opts.IO.ErrOut, "hookctl: reading the body from stdin (end with Ctrl-D)")
		}
		var err error
		if body, err = io.ReadAll(opts.IO.In); err != nil {
			return cli.Failf("reading the body from stdin: %v", err)
		}
		switch {
		case opts.Dump == nil || bytes.Equal(body, opts.Dump):
		case len(body) == 0:
			// An empty stdin (a script's </dev/null, CI) and a request
			// with its body: the request's.
			body = opts.Dump
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: stdin is empty: verifying the body in %s (%s after its headers)\n", opts.DumpFile, nbytes(len(body)))
		default:
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: note: verifying the body from stdin (%s); the body in %s (%s after its headers) is ignored\n", nbytes(len(body)), opts.DumpFile, nbytes(len(opts.Dump)))
		}
	}
	var s signature.Scheme
	if opts.Scheme == "auto" {
		var ok bool
		if s, ok = signature.Detect(opts.Header); !ok {
			verr := &signature.VerifyError{Reason: signature.ReasonMissingHeader, Scheme: "auto",
				Msg: "no signature header found (looked for " + strings.Join(signature.DetectHeaders(), ", ") + ")"}
			return report(opts, "", verr)
		}
	} else {
		s, _ = signature.Lookup(opts.Scheme)
	}
	for _, secret := range opts.Secrets {
		if err := signature.ValidateSecret(s.Name(), secret); err != nil {
			if opts.IO.JSON() {
				_ = writeResult(opts, s.Name(), err)
			}
			return cli.Usagef("%v", err).Hint("check the secret given for the %s scheme", s.Name())
		}
	}
	err := s.Verify(signature.VerifyInput{Secrets: opts.Secrets, Header: opts.Header, Body: body, Now: opts.Now, Tolerance: opts.Tolerance})
	return report(opts, s.Name(), err)
}

// usageResult is the -o json document of a bad flag value (exit 2): not
// valid, the error, the scheme when one was named; an empty --secret is
// reason invalid_secret, as a secret of the wrong form is.
func usageResult(opts *Options, err error) error {
	r := Result{Error: err.Error()}
	if opts.Scheme != "auto" && opts.Scheme != "" {
		if _, lerr := signature.Lookup(opts.Scheme); lerr == nil {
			r.Scheme = opts.Scheme
		}
	}
	if errors.Is(err, sign.ErrEmptySecret) {
		r.Reason = string(signature.ReasonBadSecret)
	}
	return ui.WriteJSON(opts.IO.Out, r)
}

func writeResult(opts *Options, scheme string, err error) error {
	r := Result{Valid: err == nil, Scheme: scheme, ID: signature.EventIDFromHeaders(opts.Header)}
	var ve *signature.VerifyError
	if errors.As(err, &ve) {
		r.Reason, r.Error = string(ve.Reason), ve.Msg
	} else if err != nil {
		r.Error = err.Error()
	}
	return ui.WriteJSON(opts.IO.Out, r)
}

func report(opts *Options, scheme string, err error) error {
	if opts.IO.JSON() {
		if werr := writeResult(opts, scheme, err); werr != nil {
			return werr
		}
	} else if err == nil {
		_, werr := fmt.Fprintln(opts.IO.Out, "valid")
		return werr
	}
	if err == nil {
		return nil
	}
	ee := cli.WithCode(cli.ExitFailed, err)
	var ve *signature.VerifyError
	if errors.As(err, &ve) {
		switch ve.Reason {
		case signature.ReasonBadSecret:
			ee = cli.WithCode(cli.ExitUsage, err)
		case signature.ReasonMissingHeader:
			if ve.Scheme == "auto" {
				ee = ee.Hint("pass the request's headers with --header 'Name: value', or name the scheme with --scheme")
			} else {
				ee = ee.Hint("pass every signature header of the request with --header 'Name: value'")
			}
		case signature.ReasonNoMatch:
			ee = ee.Hint("check the secret, and that stdin holds the body byte for byte as sent (no added trailing newline)")
		case signature.ReasonTooOld:
			if ve.SignatureValid {
				ee = ee.Hint("to check an old request anyway, pass --now <time of receipt>, a larger --tolerance, or --ignore-timestamp")
			}
		case signature.ReasonTooNew:
			if ve.SignatureValid {
				ee = ee.Hint("the sender's clock is ahead of this one (or --now is before the request was signed): check the clocks, or pass --now <time of receipt>, a larger --tolerance, or --ignore-timestamp")
			}
		}
	}
	return ee
}
