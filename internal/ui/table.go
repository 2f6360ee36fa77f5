package ui

import (
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Table prints rows: on a terminal, aligned columns under a styled header;
// piped, tab-separated cells with no header and no styling.
type Table struct {
	ios     *IOStreams
	headers []string
	rows    [][]cell
	// record: a card of one thing's fields (see Record), never cut.
	record bool
}

// Record marks the table as the card of one thing (a subscription, the
// store, the settings): a field and its value per row. Its values are
// never cut to the terminal's width: a long line wraps, as the same value
// piped is whole. (Cut, "subscriptions get" at 80 columns showed neither
// the whole URL nor the whole event list it was asked for.)
func (t *Table) Record() *Table {
	t.record = true
	return t
}

type cell struct {
	text  string
	style *lipgloss.Style
	// spans: a cell of several pieces, each with its own style ("1
	// succeeded, 1 failed"); text is then their plain text.
	spans []Span
	sep   string
}

// Span is a piece of a cell with its own style (nil: plain).
type Span struct {
	Text  string
	Style *lipgloss.Style
}

// NewTable starts a table with the given column headers.
func NewTable(ios *IOStreams, headers ...string) *Table {
	return &Table{ios: ios, headers: headers}
}

// Row is one row under construction.
type Row struct {
	t     *Table
	cells []cell
}

// AddRow adds a row of plain cells.
func (t *Table) AddRow(cells ...string) {
	r := t.Row()
	for _, c := range cells {
		r.Cell(c)
	}
	r.End()
}

// Row starts a row whose cells may carry styles.
func (t *Table) Row() *Row { return &Row{t: t} }

// Cell adds a plain cell.
func (r *Row) Cell(text string) *Row {
	r.cells = append(r.cells, cell{text: text})
	return r
}

// Styled adds a cell rendered with style on a terminal.
func (r *Row) Styled(text string, style lipgloss.Style) *Row {
	r.cells = append(r.cells, cell{text: text, style: &style})
	return r
}

// Spans adds a cell made of pieces joined by sep, each rendered with its
// own style on a terminal. (A cell styled beforehand, with
// Style.Render, would have its colour codes escaped as control
// characters: the table escapes what it prints.)
func (r *Row) Spans(sep string, spans ...Span) *Row {
	texts := make([]string, len(spans))
	for i, sp := range spans {
		texts[i] = sp.Text
	}
	r.cells = append(r.cells, cell{text: strings.Join(texts, sep), spans: spans, sep: sep})
	return r
}

// End finishes the row.
func (r *Row) End() { r.t.rows = append(r.t.rows, r.cells) }

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table to the streams' stdout.
func (t *Table) Render() error { return t.RenderTo(t.ios.Out) }

// RenderTo writes the table to w.
func (t *Table) RenderTo(w io.Writer) error {
	var b strings.Builder
	if !t.ios.IsStdoutTTY() {
		for _, row := range t.rows {
			for i, c := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(sanitizeCell(c.text))
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	st := t.ios.Styles()
	for _, row := range t.rows {
		for i := range row {
			if row[i].spans == nil {
				row[i].text = Printable(row[i].text, false)
				continue
			}
			// Each piece escaped, then styled: the colour codes are
			// the table's own (widths and cuts below are ANSI-aware).
			parts := make([]string, len(row[i].spans))
			for j, sp := range row[i].spans {
				parts[j] = Printable(sp.Text, false)
				if sp.Style != nil {
					parts[j] = sp.Style.Render(parts[j])
				}
			}
			row[i].text = strings.Join(parts, Printable(row[i].sep, false))
		}
	}
	widths := make([]int, len(t.headers))
	for i, h := range t.headers {
		widths[i] = lipgloss.Width(h)
	}
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			if w := lipgloss.Width(c.text); w > widths[i] {
				widths[i] = w
			}
		}
	}
	if tw := t.ios.StdoutWidth(); tw > 0 && !t.record {
		// A SOURCE cell is a word and a link ("received ↳9c28…"): the
		// word stays whole, with an ellipsis for the rest.
		least := make([]int, len(widths))
		for i, h := range t.headers {
			if h != "SOURCE" {
				continue
			}
			for _, row := range t.rows {
				if i < len(row) {
					word, rest, _ := strings.Cut(row[i].text, " ")
					w := lipgloss.Width(word)
					if rest != "" {
						w++
					}
					least[i] = max(least[i], w)
				}
			}
		}
		fitWidths(widths, t.headers, least, tw)
	}
	writeRow := func(cells []cell, header bool) {
		for i, c := range cells {
			text := c.text
			if lipgloss.Width(text) > widths[i] {
				text = ansi.Truncate(text, widths[i], "…")
			}
			pad := widths[i] - lipgloss.Width(text)
			switch {
			case header:
				text = st.Header.Render(text)
			case c.style != nil:
				text = c.style.Render(text)
			}
			b.WriteString(text)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", pad+2))
			}
		}
		b.WriteByte('\n')
	}
	if len(t.headers) > 0 {
		hc := make([]cell, len(t.headers))
		for i, h := range t.headers {
			hc[i] = cell{text: h}
		}
		writeRow(hc, true)
	}
	for _, row := range t.rows {
		writeRow(row, false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// whole are the columns whose cells are one value each, never cut: an id
// (ids are copied), a status, a count, a time ("1 minute …" and
// "succeed…" read as nothing).
var whole = map[string]bool{"ID": true, "STATUS": true, "ATTEMPTS": true, "LAST": true, "CREATED": true, "VERDICT": true}

// fitWidths narrows the widest columns until a row fits in width
// (columns two spaces apart), never below a column's header or 8
// characters, nor an ID column (ids are copied): on a narrow terminal the
// rows no longer wrap, the longest cells (URLs, types) are cut with an
// ellipsis instead. Where there is room, a column also keeps its least
// width (atLeast) and a column of whole values (see whole) is not cut at
// all; where there is not, they give way in that order. When even that
// cannot fit, nothing is cut (the rows wrap, with nothing lost).
func fitWidths(widths []int, headers []string, atLeast []int, width int) {
	for _, tier := range []struct{ least, whole bool }{{true, true}, {false, true}, {false, false}} {
		floor := func(i int) int {
			f := 8
			if tier.least && i < len(atLeast) {
				f = max(f, atLeast[i])
			}
			if i < len(headers) {
				if headers[i] == "ID" || tier.whole && whole[headers[i]] {
					return widths[i]
				}
				f = max(f, lipgloss.Width(headers[i]))
			}
			return min(f, widths[i])
		}
		total, least := 2*(len(widths)-1), 2*(len(widths)-1)
		for i, w := range widths {
			total += w
			least += floor(i)
		}
		if least > width {
			continue
		}
		for total > width {
			widest := -1
			for i, w := range widths {
				if w > floor(i) && (widest < 0 || w > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				return // as narrow as it goes
			}
			widths[widest]--
			total--
		}
		return
	}
}

// sanitizeCell keeps a piped cell on its line and in its column, and
// escapes the control characters a terminal (or a pager) would obey.
func sanitizeCell(s string) string {
	return Printable(strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s), false)
}
