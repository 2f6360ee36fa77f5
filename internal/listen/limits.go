package listen

import "github.com/hookctl/hookctl/internal/httplimit"

// withMaxBody makes --max-body the limiter's MaxBody.
func withMaxBody(c httplimit.Config, max int64) httplimit.Config {
	if max > 0 {
		c.MaxBody = max
	}
	return c
}
