package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/config"
)

// SecretFileUsage is the help of every --secret-file flag.
const SecretFileUsage = "read the secret from `file` instead (keeps it out of the process list and shell history; warns unless only you may read it)"

// SecretFile reads the secrets in a --secret-file: one per line, blank
// lines and # comments skipped. A secret given with --secret is on the
// command line, which every user of the machine can read (ps) and the
// shell keeps in its history; a file is not, unless other users may read
// it: then a warning with a chmod hint goes to w (WarnLooseSecretFile),
// as serve's --api-key-file and a store or config file holding secrets
// get.
func SecretFile(w io.Writer, path string) ([]string, error) {
	s, err := ReadSecretFile("--secret-file", "secret", path)
	if err != nil {
		return nil, err
	}
	holds := "a signing secret"
	if len(s) > 1 {
		holds = "signing secrets"
	}
	WarnLooseSecretFile(w, "--secret-file", path, holds)
	return s, nil
}

// ReadSecretFile is SecretFile for another flag (serve's --api-key-file):
// flag and noun (secret, key) name it in the errors.
//
// A UTF-8 byte order mark, which Windows editors put at the start of a
// text file (Notepad, PowerShell's Set-Content -Encoding utf8), is not
// part of the first secret: kept, it made a whsec_ secret "not base64"
// and any other secret sign or compare wrong without a word. A UTF-16
// file (PowerShell 5's > and Out-File) is refused, with a hint, for the
// same reason.
func ReadSecretFile(flag, noun, path string) ([]string, error) {
	if path == "-" {
		// Not standard input: sign and verify read the body there, and
		// "open -: no such file or directory" said nothing of why.
		return nil, Usagef("%s -: hookctl reads no %s from standard input, only from a file", flag, noun).
			Hint("give %s a file (chmod 600), or a command's output: %s <(printf '%%s\\n' \"$SECRET\")", flag, flag)
	}
	// --secret-file=~/… (no shell expands a ~ after =): the home
	// directory's, as --store=~/… and --fixtures=~/… are.
	b, err := os.ReadFile(config.ExpandHome(path))
	if err != nil {
		return nil, Usagef("reading %s: %v", flag, err).
			Hint("give %s a file that exists and you may read, one secret per line", flag)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff")) || bytes.IndexByte(b, 0) >= 0 {
		return nil, Usagef("%s %s is UTF-16 text (or holds NUL bytes): hookctl reads the %s as UTF-8 or ASCII", flag, path, noun).
			Hint("save it as UTF-8 or ASCII (in PowerShell: Set-Content -Encoding ascii %s)", path)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return nil, Usagef("%s %s holds no %s", flag, path, noun).
			Hint("put the %s on a line of its own (lines starting with # are comments)", noun)
	}
	return out, nil
}

// SecretFromFile is --secret-file for a command that takes one --secret:
// when the file flag was given, it reads the one secret it holds into
// *secret and reports true (warning on the command's stderr when other
// users may read or write the file); --secret and --secret-file together
// are bad usage.
func SecretFromFile(c interface {
	Flags() *pflag.FlagSet
	ErrOrStderr() io.Writer
}, secret *string) (bool, error) {
	fl := c.Flags().Lookup("secret-file")
	if fl == nil || !fl.Changed {
		return false, nil
	}
	if c.Flags().Changed("secret") {
		return false, Usagef("give --secret or --secret-file, not both").
			Hint("--secret takes the secret itself, --secret-file a file of secrets, one per line: keep one of them")
	}
	path := fl.Value.String()
	if strings.TrimSpace(path) == "" {
		return false, Usagef("--secret-file is empty").
			Hint("give it a file path or leave the flag out (is a shell variable unset?)")
	}
	s, err := ReadSecretFile("--secret-file", "secret", path)
	if err != nil {
		return false, err
	}
	if len(s) > 1 {
		return false, Usagef("--secret-file %s holds %d secrets: this command takes one", path, len(s)).
			Hint("leave one secret in %s (lines starting with # are comments)", path)
	}
	WarnLooseSecretFile(c.ErrOrStderr(), "--secret-file", path, "a signing secret")
	*secret = s[0]
	return true, nil
}

// WarnLooseSecretFile warns on w (holds says what the file holds), with a chmod hint, when users other than
// its owner may read or write the secret file at path (as ssh does about a
// private key, and as hookctl does about a store or a config file holding
// secrets): the key in it is theirs too. It warns and goes on, leaving the
// fix to the user. Nothing on Windows, whose permission bits say nothing
// about other users.
func WarnLooseSecretFile(w io.Writer, flag, path, holds string) {
	if runtime.GOOS == "windows" || w == nil {
		return
	}
	fi, err := os.Stat(config.ExpandHome(path))
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	m := fi.Mode().Perm()
	if m&0o077 == 0 {
		return
	}
	who := "read"
	if m&0o044 == 0 {
		who = "written"
	}
	fmt.Fprintf(w, "hookctl: warning: %s %s can be %s by other users (mode %04o), and it holds %s\n", flag, path, who, m, holds)
	fmt.Fprintf(w, "hookctl: hint: chmod 600 %s\n", path)
}
