package ui

import (
	"bytes"
	"encoding/json"
	"io"
)

// JSONArray writes a JSON array an element at a time, byte for byte as
// WriteJSON writes the whole slice: a listing of any length goes out in
// memory bounded by its page (see Flush), not held whole to be encoded.
type JSONArray struct {
	w   io.Writer
	n   int
	buf bytes.Buffer
	enc *json.Encoder
}

// NewJSONArray starts an array written to w; nothing is written before
// the first Add (or Close, for an empty one).
func NewJSONArray(w io.Writer) *JSONArray {
	a := &JSONArray{w: w}
	a.enc = json.NewEncoder(&a.buf)
	a.enc.SetEscapeHTML(false)
	// An element of WriteJSON's array is indented one level deeper, its
	// first line by the "  " Add writes before it.
	a.enc.SetIndent("  ", "  ")
	return a
}

// Add appends v to the array (buffered: see Flush).
func (a *JSONArray) Add(v any) error {
	if a.n == 0 {
		a.buf.WriteString("[\n  ")
	} else {
		a.buf.WriteString(",\n  ")
	}
	a.n++
	if err := a.enc.Encode(v); err != nil {
		return err
	}
	a.buf.Truncate(a.buf.Len() - 1) // Encode's newline
	if a.buf.Len() >= 64<<10 {
		return a.Flush()
	}
	return nil
}

// Flush writes what Add buffered.
func (a *JSONArray) Flush() error {
	_, err := a.w.Write(a.buf.Bytes())
	a.buf.Reset()
	return err
}

// Close ends the array and writes what is left.
func (a *JSONArray) Close() error {
	if a.n == 0 {
		a.buf.WriteString("[]\n")
	} else {
		a.buf.WriteString("\n]\n")
	}
	return a.Flush()
}
