package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// A cell of several styled pieces (events log's "1 succeeded, 1 failed")
// is coloured on a terminal, piece by piece, with the pieces' own control
// characters still escaped; cut on a narrow terminal, its colour is reset
// before the next cell; piped, it is plain text. Before Row.Spans the
// cell was styled by its caller and the table escaped the colour codes
// (`\x1b[32m1 succeeded\x1b[0m` on screen).
func TestDocauditTableSpans(t *testing.T) {
	render := func(tty bool, columns string) string {
		ios, _, out, _ := Test()
		ios.SetTTY(false, tty, tty)
		ios.getenv = func(k string) string {
			if k == "COLUMNS" {
				return columns
			}
			return ""
		}
		ios.DecideColor(false)
		st := ios.Styles()
		tb := NewTable(ios, "ID", "DELIVERIES", "CREATED")
		tb.Row().Cell("evt_1").Spans(", ",
			Span{Text: "1 succeeded", Style: &st.Success},
			Span{Text: "2\x1b[2J failed", Style: &st.Failure},
			Span{Text: "plain"}).Cell("just now").End()
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}

	got := render(true, "")
	if !strings.Contains(got, "\x1b[") {
		t.Fatalf("terminal: no colour at all: %q", got)
	}
	if strings.Contains(got, `\x1b[3`) {
		t.Errorf("terminal: hookctl's own colour codes escaped: %q", got)
	}
	if strings.Contains(got, "\x1b[2J") || !strings.Contains(got, `2\x1b[2J failed`) {
		t.Errorf("terminal: a piece's own control characters are not escaped: %q", got)
	}
	if plain := stripANSI(got); !strings.Contains(plain, `1 succeeded, 2\x1b[2J failed, plain  just now`) {
		t.Errorf("terminal: pieces not joined in order: %q", plain)
	}

	// 33: a primary column is cut to no less than 16 (primaryFloor).
	got = render(true, "33")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	row := lines[len(lines)-1]
	if w := lipgloss.Width(row); w > 33 {
		t.Errorf("narrow terminal: a row %d wide on 33 columns: %q", w, row)
	}
	if !strings.Contains(stripANSI(row), "…") || !strings.HasSuffix(row, "just now") {
		t.Errorf("narrow terminal: want the cell cut with … and the next cell after it: %q", row)
	}
	// the colour of the cut piece ends before the padding and the next cell
	if i, j := strings.LastIndex(row, "\x1b[0m"), strings.Index(row, "just now"); i < 0 || i > j {
		t.Errorf("narrow terminal: the cut cell's colour is not reset before the next cell: %q", row)
	}

	got = render(false, "")
	if want := "evt_1\t1 succeeded, 2\\x1b[2J failed, plain\tjust now\n"; got != want {
		t.Errorf("piped = %q, want %q", got, want)
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
