package postgres

import "github.com/hookctl/hookctl/internal/jsonenc"

// headersJSON is jtext for HTTP headers (an attempt's request and
// response headers, two per attempt recorded), written by jsonenc rather
// than through encoding/json's reflection: the same bytes json.Marshal
// writes.
func headersJSON(h map[string][]string) *string {
	if len(h) == 0 {
		return nil
	}
	s := jsonNoNUL(string(jsonenc.AppendHeader(make([]byte, 0, jsonenc.HeaderSize(h)), h)))
	return &s
}
