package ui

import (
	"bytes"
	"encoding/json"
	"io"
)

// WriteJSONBody writes a JSON body for reading on a terminal: indented in
// its own key order (never re-serialised through a map) and, when colour is
// on, keys, strings, numbers and literals painted. Invalid JSON is written
// unchanged.
func (s *IOStreams) WriteJSONBody(w io.Writer, body []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		_, err := w.Write(body)
		return err
	}
	buf.WriteByte('\n')
	if !s.colorEnabled {
		_, err := w.Write(buf.Bytes())
		return err
	}
	_, err := w.Write(highlightJSON(buf.Bytes()))
	return err
}

// highlightJSON paints indented, valid JSON.
func highlightJSON(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) * 2)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			j++
			if j > len(b) {
				j = len(b)
			}
			tok := string(b[i:j])
			k := j
			for k < len(b) && (b[k] == ' ') {
				k++
			}
			if k < len(b) && b[k] == ':' {
				out.WriteString(Cyan(tok))
			} else {
				out.WriteString(Green(tok))
			}
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(b) && bytes.IndexByte([]byte("+-.eE0123456789"), b[j]) >= 0 {
				j++
			}
			out.WriteString(Yellow(string(b[i:j])))
			i = j
		case c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(b) && b[j] >= 'a' && b[j] <= 'z' {
				j++
			}
			out.WriteString(Bold(string(b[i:j])))
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes()
}
