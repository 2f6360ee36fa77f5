package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// SecretFileUsage is the help of every --secret-file flag.
const SecretFileUsage = "read the secret from `file` instead (keeps it out of the process list and shell history)"

// SecretFile reads the secrets in a --secret-file: one per line, blank
// lines and # comments skipped. A secret given with --secret is on the
// command line, which every user of the machine can read (ps) and the
// shell keeps in its history; a file is not.
func SecretFile(path string) ([]string, error) {
	return ReadSecretFile("--secret-file", "secret", path)
}

// ReadSecretFile is SecretFile for another flag (serve's --api-key-file):
// flag and noun (secret, key) name it in the errors.
func ReadSecretFile(flag, noun, path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Usagef("reading %s: %v", flag, err)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return nil, Usagef("%s %s holds no %s", flag, path, noun)
	}
	return out, nil
}

// SecretFromFile is --secret-file for a command that takes one --secret:
// when the file flag was given, it reads the one secret it holds into
// *secret and reports true; --secret and --secret-file together are bad
// usage.
func SecretFromFile(c interface{ Flags() *pflag.FlagSet }, secret *string) (bool, error) {
	fl := c.Flags().Lookup("secret-file")
	if fl == nil || !fl.Changed {
		return false, nil
	}
	if c.Flags().Changed("secret") {
		return false, Usagef("give --secret or --secret-file, not both")
	}
	path := fl.Value.String()
	if strings.TrimSpace(path) == "" {
		return false, Usagef("--secret-file is empty")
	}
	s, err := SecretFile(path)
	if err != nil {
		return false, err
	}
	if len(s) > 1 {
		return false, Usagef("--secret-file %s holds %d secrets: this command takes one", path, len(s))
	}
	*secret = s[0]
	return true, nil
}
