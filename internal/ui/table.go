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
}

type cell struct {
	text  string
	style *lipgloss.Style
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
	for _, row := range t.rows {
		for i := range row {
			row[i].text = Printable(row[i].text, false)
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
	if tw := t.ios.StdoutWidth(); tw > 0 {
		fitWidths(widths, t.headers, tw)
	}
	st := t.ios.Styles()
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

// fitWidths narrows the widest columns until a row fits in width
// (columns two spaces apart), never below a column's header or 8
// characters, and never an ID column (ids are copied): on a narrow
// terminal the rows no longer wrap, the longest cells (URLs, types) are
// cut with an ellipsis instead. When even that cannot fit, nothing is cut
// (the rows wrap, with nothing lost).
func fitWidths(widths []int, headers []string, width int) {
	floor := func(i int) int {
		f := 8
		if i < len(headers) {
			if headers[i] == "ID" {
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
		return
	}
	for total > width {
		widest := -1
		for i, w := range widths {
			if w > floor(i) && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return // as narrow as it goes: the rows wrap
		}
		widths[widest]--
		total--
	}
}

// sanitizeCell keeps a piped cell on its line and in its column, and
// escapes the control characters a terminal (or a pager) would obey.
func sanitizeCell(s string) string {
	return Printable(strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s), false)
}
