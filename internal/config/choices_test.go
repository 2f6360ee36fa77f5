package config_test

import (
	"slices"
	"testing"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/config"
)

// config set provider takes exactly the catalog's providers (the catalog
// imports config, so config keeps its own copy of the list).
func TestProviderChoicesAreTheCatalogs(t *testing.T) {
	if got, want := config.ValueChoices("provider"), catalog.Providers(); !slices.Equal(got, want) {
		t.Errorf("provider choices %v, catalog providers %v", got, want)
	}
}
