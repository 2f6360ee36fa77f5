package delivery

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/subscription"
)

// curlArgMax is the largest body CurlCommand passes as an argument: one
// argument over 128 KiB (the kernel's MAX_ARG_STRLEN) fails to run.
const curlArgMax = 64 << 10

// CurlCommand is a request as a POSIX shell command that sends it again:
// the method, the URL, every header as recorded (signatures included;
// credentials that schemes send in clear masked, as MaskHeaders masks
// them everywhere hookctl shows a request, and a password in the URL too,
// alice:xxxxx@) and the body, byte for byte.
// It is the inspector's "copy as curl" and `deliveries show --curl`.
//
// Every argument is single-quoted. A body that is not text (not UTF-8,
// or with control characters: a NUL cannot be a shell argument, a CR does
// not survive a web page's HTML parser, which turns CR LF into LF, and a
// C1 control such as U+009B, CSI, would drive the terminal showing the
// command) is piped in from base64. A large text body, or one starting with "@" (curl
// would read the file it names), is piped in by printf, a shell builtin.
// The URL is not globbed (--globoff: curl reads [] and {} in a URL as
// ranges and sets and would send other requests). A header with an empty
// value is passed as "Name;" (curl drops a header given as "Name:"), and
// the headers curl adds of its own (Accept, Content-Type, Expect) are
// dropped with "Name:" when the request did not have them.
// The command ends with curl's last argument, so more can be appended.
func CurlCommand(method, u string, headers map[string][]string, body []byte) string {
	return CurlCommandTLS(method, u, headers, body, false)
}

// CurlCommandTLS is CurlCommand for a request that was sent accepting any
// TLS certificate (store.Attempt.Insecure) when insecure: an https one
// gets curl's -k, so the command reaches the receiver (one with a
// self-signed certificate) as the attempt did.
func CurlCommandTLS(method, u string, headers map[string][]string, body []byte, insecure bool) string {
	var b strings.Builder
	binary := !IsText(body) || bytes.IndexByte(body, '\r') >= 0 || hasC1(body)
	stdin := binary || len(body) > curlArgMax || bytes.HasPrefix(body, []byte("@"))
	switch {
	case binary:
		b.WriteString("echo " + base64.StdEncoding.EncodeToString(body) + " | base64 -d | ")
	case stdin:
		b.WriteString("printf %s " + shellQuote(string(body)) + " | ")
	}
	data := "--data-binary @-"
	if !stdin {
		data = "--data-binary " + shellQuote(string(body))
	}
	curlArgs(&b, method, u, headers, data, insecure)
	return b.String()
}

// CurlCommandFile is CurlCommand with the body read from the file named
// file (curl's --data-binary @file sends its bytes as they are): the
// inspector's command for a body too large to hold in a page, next to a
// link that downloads the body under that name.
func CurlCommandFile(method, u string, headers map[string][]string, file string, insecure bool) string {
	var b strings.Builder
	curlArgs(&b, method, u, headers, "--data-binary "+shellQuote("@"+file), insecure)
	return b.String()
}

// curlArgs writes curl's arguments: -k for an https request sent
// accepting any certificate (insecure), the method, the URL, the headers,
// and data, the body's argument, last.
func curlArgs(b *strings.Builder, method, u string, headers map[string][]string, data string, insecure bool) {
	b.WriteString("curl ")
	if insecure && len(u) >= 6 && strings.EqualFold(u[:6], "https:") {
		b.WriteString("-k ")
	}
	b.WriteString("-X " + ShellWord(method) + " --globoff " + shellQuote(subscription.MaskUserinfo(u)))
	masked := MaskHeaders(headers)
	names := make([]string, 0, len(masked))
	for k := range masked {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return headerLess(names[i], names[j]) })
	for _, k := range names {
		if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Accept-Encoding") {
			continue
		}
		for _, v := range masked[k] { // the values of one header in the order sent
			arg := k + ": " + v
			if v == "" {
				arg = k + ";"
			}
			b.WriteString(" \\\n  -H " + shellArg(arg))
		}
	}
	// curl adds these of its own (Accept to every request, Content-Type
	// to --data-binary, Expect to a large body): "Name:" drops the ones
	// the attempt did not send, so the receiver gets its headers only.
	var drop []string
	for _, k := range []string{"Accept", "Content-Type", "Expect"} {
		if !hasHeader(masked, k) {
			drop = append(drop, "-H '"+k+":'")
		}
	}
	if len(drop) > 0 {
		b.WriteString(" \\\n  " + strings.Join(drop, " "))
	}
	b.WriteString(" \\\n  " + data)
}

// shellQuote single-quotes s for a POSIX shell: everything inside single
// quotes is literal; a quote in s ends the quoted string, is written
// escaped (\') and a new quoted string begins.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shellArg is s as one shell argument: single-quoted when it is UTF-8;
// else (a header value as a sender sent it, caf\xe9) "$(printf '…')"
// with the bytes that are not UTF-8, and the control characters, written
// \ooo, so the command is text and sends the bytes: a web page cannot
// hold such a byte (the inspector would show \xe9, and a copy of the
// command would send those four characters). A header holds no newline,
// which the command substitution would drop at its end.
func shellArg(s string) string {
	if utf8.ValidString(s) {
		return shellQuote(s)
	}
	return printfArg(s)
}

// printfArg is s as one shell argument that is text whatever s holds:
// "$(printf '…')" with the bytes that are not UTF-8, and the control
// characters, written \ooo (shellArg). A newline at s's end would be
// dropped by the command substitution.
func printfArg(s string) string {
	var f strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1, isControl(r):
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&f, "\\%03o", c)
			}
		case r == '%':
			f.WriteString("%%")
		case r == '\\':
			f.WriteString(`\\`)
		default:
			f.WriteString(s[i : i+n])
		}
		i += n
	}
	return `"$(printf ` + shellQuote(f.String()) + `)"`
}

// ShellWord is s as one argument of a command hookctl prints for a
// person to run (a method in a curl command, an id in a hint): bare when
// it needs no quoting (POST, evt_123), else single-quoted; and when s has
// bytes that are not UTF-8 or control characters (an id a sender made,
// or its "\u0001base64:…" form: store.EncodeText) "$(printf '…')" with
// them written \ooo, so the line holds text only, cannot drive the
// terminal showing it, and gives the command s's bytes when run.
func ShellWord(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
				return printfArg(s)
			}
			return shellQuote(s)
		}
	}
	return s
}

// isControl reports the characters printfArg writes \ooo (and
// ui.Printable escapes): C0, DEL and C1.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 }

// hasHeader reports whether h has the header name, in any case.
func hasHeader(h map[string][]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// headerLess orders header names case-insensitively, then exactly (so
// "X-A" and "x-a" do not interleave).
func headerLess(a, b string) bool {
	if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
		return la < lb
	}
	return a < b
}

// IsText reports whether b is UTF-8 without control characters other
// than tab, newline and carriage return.
func IsText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return false
		}
	}
	return true
}

// hasC1 reports whether b holds a C1 control character (U+0080-U+009F).
func hasC1(b []byte) bool {
	for _, r := range string(b) {
		if r >= 0x80 && r < 0xa0 {
			return true
		}
	}
	return false
}
