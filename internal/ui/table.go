package ui

import (
	"io"
	"slices"
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
	// drop: the columns a terminal too narrow leaves out, first first
	// (see Drop).
	drop []string
	// dropLast: the primary columns left out when the others at their
	// floor still do not fit (see DropLast).
	dropLast []string
	// flushed: Flush has written rows (and the header) already; seen:
	// the widest cell of each column in them (see Flush).
	flushed bool
	seen    []int
}

// DropLast names primary columns a terminal may still leave out, first
// first, when the secondary ones are gone and every primary column cut to
// its floor still does not fit: the row keeps what identifies it (an id,
// a status) on one line rather than wrapping every row.
func (t *Table) DropLast(headers ...string) *Table {
	t.dropLast = headers
	return t
}

// Drop names the table's secondary columns, the least important first:
// on a terminal too narrow for the rows, they are cut to their floor,
// then left out one by one in this order, before a primary column (every
// other one: the id, the type, the URL, the status) is cut at all. Piped
// output keeps every column.
func (t *Table) Drop(headers ...string) *Table {
	t.drop = headers
	return t
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
	widths := make([]int, max(len(t.headers), len(t.seen)))
	for i, h := range t.headers {
		widths[i] = lipgloss.Width(h)
	}
	for i, w := range t.seen {
		widths[i] = max(widths[i], w)
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
	t.seen = slices.Clone(widths)
	var hidden []bool
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
		hidden = fitWidths(widths, t.headers, least, t.drop, tw, t.dropLast...)
	}
	writeRow := func(cells []cell, header bool) {
		last := -1
		for i := range cells {
			if i >= len(hidden) || !hidden[i] {
				last = i
			}
		}
		for i, c := range cells {
			if i < len(hidden) && hidden[i] {
				continue
			}
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
			if i < last {
				b.WriteString(strings.Repeat(" ", pad+2))
			}
		}
		b.WriteByte('\n')
	}
	if len(t.headers) > 0 && !t.flushed {
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

// Flush writes the rows added since the last Flush (the header with the
// first) and forgets them: a listing of any length is written a page at
// a time, in memory bounded by the page. Piped, the output is the same as
// one Render of every row. On a terminal each page is aligned on its own
// cells and those of the pages before it (a column widens at the page
// with a wider cell; it never narrows).
func (t *Table) Flush() error {
	err := t.Render()
	t.flushed = true
	t.rows = t.rows[:0]
	return err
}

// whole are the columns whose cells are one value each, never cut: an id
// (ids are copied), a check's name (check --only takes it), a status, a
// count, a time ("1 minute …" and "succeed…" read as nothing).
var whole = map[string]bool{"ID": true, "STATUS": true, "ATTEMPTS": true, "LAST": true, "CREATED": true, "VERDICT": true, "CHECK": true}

// primaryFloor is the least width a primary column (one Drop does not
// name: a URL, an event type) is cut to: "http://l…" read as nothing.
const primaryFloor = 16

// fitWidths fits a row in width (columns two spaces apart) and returns
// the columns to leave out. In order, until a row fits: the secondary
// columns (drop) are cut, the widest first, to their floor (8 characters,
// their header, atLeast); then they are left out one at a time, the first
// of drop first (the others whole again); then the primary columns are
// cut, the widest first, to primaryFloor. A column of whole values (see
// whole) and an ID column (ids are copied) are never cut. When even that
// cannot fit, the columns of last (DropLast) are left out one at a time,
// the primary ones cut again; when nothing fits, what is left is not cut
// (the rows wrap, with nothing lost).
// (Before, one floor of 8 for every column: at 80 columns a URL and an
// event type were cut to 8 while SOURCE and CREATED kept their width,
// and at 60, where the floors did not fit, nothing was cut and every row
// wrapped.)
func fitWidths(widths []int, headers []string, atLeast []int, drop []string, width int, last ...string) []bool {
	natural := slices.Clone(widths)
	hidden := make([]bool, len(widths))
	header := func(i int) string {
		if i < len(headers) {
			return headers[i]
		}
		return ""
	}
	secondary := func(i int) bool { return slices.Contains(drop, header(i)) }
	floor := func(i int) int {
		h := header(i)
		if h == "ID" || whole[h] {
			return natural[i]
		}
		f := max(8, lipgloss.Width(h))
		if i < len(atLeast) {
			f = max(f, atLeast[i])
		}
		if !secondary(i) {
			f = max(f, primaryFloor)
		}
		return min(f, natural[i])
	}
	total := func() int {
		sum, n := 0, 0
		for i, w := range widths {
			if !hidden[i] {
				sum += w
				n++
			}
		}
		return sum + 2*max(n-1, 0)
	}
	// shrink cuts the widest of the columns picked, a character at a
	// time, until a row fits (true) or they are all at their floor.
	shrink := func(pick func(int) bool) bool {
		for total() > width {
			widest := -1
			for i, w := range widths {
				if !hidden[i] && pick(i) && w > floor(i) && (widest < 0 || w > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				return false
			}
			widths[widest]--
		}
		return true
	}
	// hide leaves column h out and starts again from the natural widths
	// (false: no such column).
	hide := func(h string) bool {
		i := slices.Index(headers, h)
		if i < 0 || i >= len(widths) {
			return false
		}
		hidden[i] = true
		copy(widths, natural)
		return true
	}
	all := func(int) bool { return true }
	for _, h := range append(slices.Clone(drop), "") {
		if shrink(secondary) {
			return hidden
		}
		if h != "" {
			hide(h)
		}
	}
	if shrink(all) {
		return hidden
	}
	for _, h := range last {
		if hide(h) && shrink(all) {
			return hidden
		}
	}
	for _, h := range last {
		if i := slices.Index(headers, h); i >= 0 && i < len(hidden) {
			hidden[i] = false // nothing fits: every row wraps, with nothing lost
		}
	}
	copy(widths, natural)
	return hidden
}

// sanitizeCell keeps a piped cell on its line and in its column, and
// escapes the control characters a terminal (or a pager) would obey.
func sanitizeCell(s string) string {
	return Printable(strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s), false)
}
