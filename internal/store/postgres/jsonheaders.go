package postgres

import (
	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/store"
)

// headersJSON is jtext for HTTP headers (an attempt's request and
// response headers, two per attempt recorded), written by jsonenc rather
// than through encoding/json's reflection: the same bytes json.Marshal
// writes.
// A name or value that is not UTF-8 is kept (store.EncodeHeaderBytes; the
// scans read it back with store.DecodeHeaderBytes): jsonb holds text only.
func headersJSON(h map[string][]string) *string {
	if len(h) == 0 {
		return nil
	}
	h = store.EncodeHeaderBytes(h)
	s := jsonNoNUL(string(jsonenc.AppendHeader(make([]byte, 0, jsonenc.HeaderSize(h)), h)))
	return &s
}
