//go:build tools

// Package deps pins the modules hookctl's packages are being built on, so
// parallel work does not fight over go.mod. Removed once every import is real.
package deps

import (
	_ "github.com/charmbracelet/huh"
	_ "github.com/google/go-github/v84/github"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/standard-webhooks/standard-webhooks/libraries/go"
	_ "github.com/stripe/stripe-go/v85/webhook"
	_ "github.com/tidwall/gjson"
	_ "github.com/tidwall/sjson"
	_ "golang.org/x/term"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
)
