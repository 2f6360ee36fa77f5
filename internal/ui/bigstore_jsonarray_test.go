package ui

import (
	"bytes"
	"testing"
	"time"
)

// TestJSONArrayMatchesWriteJSON: the streamed array is WriteJSON's bytes,
// empty, one element and many (across the buffer's flushes), with HTML
// characters and nested values.
func TestJSONArrayMatchesWriteJSON(t *testing.T) {
	type row struct {
		ID      string            `json:"id"`
		URL     string            `json:"url"`
		At      time.Time         `json:"at"`
		Headers map[string]string `json:"headers,omitempty"`
		Nested  struct {
			N []int `json:"n"`
		} `json:"nested"`
	}
	mk := func(n int) []row {
		rows := make([]row, n)
		for i := range rows {
			rows[i] = row{ID: string(rune('a' + i%26)), URL: "http://x/?a=1&b=<2>", At: time.Unix(int64(i), 0).UTC()}
			if i%3 == 0 {
				rows[i].Headers = map[string]string{"X-A": "1", "B": "\u2028"}
				rows[i].Nested.N = []int{i, i + 1}
			}
		}
		return rows
	}
	for _, n := range []int{0, 1, 2, 5000} {
		rows := mk(n)
		var want, got bytes.Buffer
		if err := WriteJSON(&want, rows); err != nil {
			t.Fatal(err)
		}
		a := NewJSONArray(&got)
		for _, r := range rows {
			if err := a.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%d rows: streamed array differs from WriteJSON:\n got %q\nwant %q", n, trunc(got.String()), trunc(want.String()))
		}
	}
}

func trunc(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
