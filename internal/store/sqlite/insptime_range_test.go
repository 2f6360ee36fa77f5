package sqlite

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestInsptimeInspectTimeRange(t *testing.T) {
	storetest.RunInspectTimeRange(t, func(t *testing.T) store.Store { return openTemp(t) })
}
