package sqlite

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestInspevEventVerdictFilter(t *testing.T) {
	storetest.RunEventVerdictFilter(t, func(t *testing.T) store.Store { return openTemp(t) })
}
