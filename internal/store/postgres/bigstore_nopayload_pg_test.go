package postgres_test

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestBigstoreNoPayload(t *testing.T) { storetest.NoPayload(t, openDB(t, pgtest.URL(t))) }
