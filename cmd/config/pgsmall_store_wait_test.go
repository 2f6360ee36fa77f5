package configcmd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/ui"
)

// store_wait (--store-wait) is a setting as the others: listed and read
// with its default, refused with exit 2 and what it wants when it is not
// a duration (the file left as it was), kept when it is.
func TestStoreWaitSetting(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "HOOKCTL_CONFIG_DIR" {
			return dir
		}
		return ""
	}
	cfg, err := config.Load(config.Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := ui.Test()
	opts := &Options{IO: ios, Config: func() *config.Config { return cfg }, Getenv: getenv}
	do := func(action, key, value string) error {
		out.Reset()
		opts.Action, opts.Key, opts.Value = action, key, value
		return run(opts)
	}
	if err := do("list", "", ""); err != nil || !strings.Contains(out.String(), "\nstore_wait\t1m\tdefault\n") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if err := do("get", "store_wait", ""); err != nil || out.String() != "1m\n" {
		t.Fatalf("get: %v %q, want 1m", err, out)
	}
	err = do("set", "store_wait", "abc")
	var ce cli.CodeError
	if !errors.As(err, &ce) || ce.ExitCode() != 2 ||
		err.Error() != `invalid value "abc" for store_wait: want a duration such as 1m, or 0 not to wait` {
		t.Fatalf("set store_wait abc: %v, want exit 2 naming the value and what is wanted", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.yaml")); !os.IsNotExist(err) {
		t.Fatalf("a refused value wrote the config file: %v", err)
	}
	if err := do("set", "store_wait", "30s"); err != nil {
		t.Fatal(err)
	}
	if err := do("get", "store_wait", ""); err != nil || out.String() != "30s\n" {
		t.Fatalf("get after set: %v %q, want 30s", err, out)
	}
	if err := do("list", "", ""); err != nil || !strings.Contains(out.String(), "\nstore_wait\t30s\tfile\n") {
		t.Fatalf("list after set: %v\n%s", err, out)
	}
}
