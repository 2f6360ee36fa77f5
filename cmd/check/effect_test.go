package check

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/cli"
)

// TestEffectTimeout: an effect command that never exits is killed at the
// limit with a clear error, not waited for.
func TestEffectTimeout(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("sh")
	}
	start := time.Now()
	_, err := effect(context.Background(), "sleep 30 & wait", 300*time.Millisecond)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("effect returned after %s, want about 300ms", took)
	}
	var ee *cli.ExitError
	if !errors.Is(err, check.ErrEffectTimeout) || !errors.As(err, &ee) || ee.Code != cli.ExitUsage ||
		err.Error() != "--effect-cmd did not finish within 300ms: killed it" || len(ee.Hints) != 1 || !strings.Contains(ee.Hints[0], "must print what the app did and exit") {
		t.Fatalf("err = %v (%+v)", err, ee)
	}
	out, err := effect(context.Background(), "echo 3", time.Second)
	if err != nil || out != "3\n" {
		t.Fatalf("echo 3: %q, %v", out, err)
	}
}
