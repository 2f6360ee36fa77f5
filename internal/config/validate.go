package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/textdist"
	"github.com/hookctl/hookctl/internal/ui"
)

// choices are the allowed values of enumerated keys.
var choices = map[string][]string{
	"output":        {"table", "json"},
	"no_color":      {"true", "false"},
	"retry_profile": {"bond", "mono", "mambu", "svix"},
	// The catalog's providers (catalog.Providers; the catalog imports this
	// package, so a test keeps the two lists equal).
	"provider": {"bond", "mono", "mambu", "saas", "standard", "stripe", "github"},
	"scheme":   append([]string{"auto"}, signature.Names()...),
}

// ValueChoices lists the allowed values of a key, or nil when it is free.
func ValueChoices(name string) []string {
	k, ok := LookupKey(name)
	if !ok {
		return nil
	}
	return choices[k.Name]
}

// IsBool reports whether key name is a boolean (no_color): its choices
// are true and false, and strconv.ParseBool's other spellings (1, t,
// FALSE…) are taken for them.
func IsBool(name string) bool {
	k, ok := LookupKey(name)
	c := choices[k.Name]
	return ok && len(c) == 2 && c[0] == "true" && c[1] == "false"
}

// Canonical is value as key name holds it: a boolean key's value in
// any spelling strconv.ParseBool takes (HOOKCTL_NO_COLOR=1, no_color: 1
// in the file, config set no_color T) is "true" or "false", as the
// file's true reads (config get no_color printed 1 for
// HOOKCTL_NO_COLOR=1 and true for the file's true). Anything else is
// value unchanged (a value no spelling takes stays as given, to be
// refused under its own name).
func Canonical(name, value string) string {
	if !IsBool(name) {
		return value
	}
	if b, err := strconv.ParseBool(value); err == nil {
		return strconv.FormatBool(b)
	}
	return value
}

// ValueError is a value a key cannot take.
type ValueError struct {
	Key, Value, Reason string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("invalid value %q for %s: %s", e.Value, e.Key, e.Reason)
}

// ValidateValue checks value for key before it is written.
func ValidateValue(name, value string) error {
	k, ok := LookupKey(name)
	if !ok {
		return &UnknownKeyError{Name: name}
	}
	bad := func(format string, args ...any) error {
		return &ValueError{Key: k.Name, Value: value, Reason: fmt.Sprintf(format, args...)}
	}
	if c := choices[k.Name]; c != nil {
		for _, v := range c {
			if v == value {
				return nil
			}
		}
		if k.Name == "no_color" {
			if _, err := strconv.ParseBool(value); err == nil {
				return nil
			}
		}
		return bad("want one of %s", strings.Join(c, ", "))
	}
	switch k.Name {
	case "listen_port":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > 65535 {
			return bad("want a port number from 0 to 65535")
		}
	case "timeout":
		d, err := ui.ParseDuration(value)
		if err != nil || d <= 0 {
			return bad("want a positive duration such as 10s")
		}
	case "store_wait":
		if d, err := ui.ParseDuration(value); err != nil || d < 0 {
			return bad("want a duration such as 1m, or 0 not to wait")
		}
	case "retry_schedule":
		for _, p := range strings.Split(value, ",") {
			if d, err := ui.ParseDuration(strings.TrimSpace(p)); err != nil || d < 0 {
				return bad("want durations separated by commas, e.g. 0s,5s,5m,30m,2h")
			}
		}
	case "listen_host":
		if strings.TrimSpace(value) == "" {
			return bad("it cannot be empty")
		}
	}
	return nil
}

// Hints suggests the value meant for a key with fixed choices (strip:
// stripe, JSON: json).
func (e *ValueError) Hints() []string {
	var out []string
	for _, v := range choices[e.Key] {
		if d := textdist.Distance(strings.ToLower(e.Value), v); d <= 2 && v != e.Value && (d > 0 || len(out) == 0) {
			out = append(out, fmt.Sprintf("did you mean %q?", v))
		}
	}
	return out
}

// ExitCode: a bad value is bad input (exit 2).
func (e *ValueError) ExitCode() int { return 2 }

// ExitCode: an unknown key is bad input (exit 2).
func (e *UnknownKeyError) ExitCode() int { return 2 }
