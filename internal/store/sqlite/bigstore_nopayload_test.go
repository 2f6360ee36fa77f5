package sqlite

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestBigstoreNoPayload(t *testing.T) { storetest.NoPayload(t, openTemp(t)) }
