package cli

import "github.com/hookctl/hookctl/internal/ui"

// ListPage is how many rows a listing reads from the store at a time: a
// listing of any length (--limit 0) holds one page, not every row (events
// log --limit 0 over 500,000 events held 626 MB).
const ListPage = 1000

// Pager walks a listing of at most limit rows (0: all) a page at a time.
// Ask gives each read's limit; Rows records what it returned. A listing
// with a limit reads one row past it, to tell whether more match (More).
type Pager struct {
	limit, shown, asked int
	done, more          bool
}

// NewPager starts a listing of at most limit rows (0: all).
func NewPager(limit int) *Pager { return &Pager{limit: limit} }

// Ask returns the limit of the next page's read, or 0 when the listing
// is complete.
func (p *Pager) Ask() int {
	if p.done {
		return 0
	}
	p.asked = ListPage
	if p.limit > 0 {
		p.asked = min(p.asked, p.limit-p.shown+1)
	}
	return p.asked
}

// More reports whether the listing stopped at its limit while more rows
// matched.
func (p *Pager) More() bool { return p.more }

// Shown is the number of rows Rows has let through.
func (p *Pager) Shown() int { return p.shown }

// Rows records a page read with Ask's limit and returns the rows of it
// to show: all of them, or those up to the listing's limit.
func Rows[T any](p *Pager, rows []T) []T {
	if len(rows) < p.asked {
		p.done = true
	}
	if p.limit > 0 && p.shown+len(rows) > p.limit {
		rows = rows[:p.limit-p.shown]
		p.more, p.done = true, true
	}
	p.shown += len(rows)
	return rows
}

// PagedList is a listing (events log, deliveries list) written a page
// at a time: a table on stdout, or -o json's array written as it is read.
type PagedList[T any] struct {
	// Limit is the listing's --limit (0: all).
	Limit int
	// Read reads the next page of at most limit rows, moving its cursor
	// past them.
	Read func(limit int) ([]T, error)
	// JSON is the -o json element of page[i].
	JSON func(page []T, i int) any
	// Empty says, on stderr, that nothing matched (table output).
	Empty func()
	// Table makes the table, before the first row.
	Table func() *ui.Table
	// Rows adds a page's rows to the table and flushes it.
	Rows func(t *ui.Table, page []T) error
	// One and Many name a row, for the hint that more rows matched.
	One, Many string
}

// Write writes the listing to ios.
func (l PagedList[T]) Write(ios *ui.IOStreams) error {
	pg := NewPager(l.Limit)
	var (
		arr *ui.JSONArray
		t   *ui.Table
	)
	for n := pg.Ask(); n > 0; n = pg.Ask() {
		page, err := l.Read(n)
		if err != nil {
			return err
		}
		page = Rows(pg, page)
		if ios.JSON() {
			if arr == nil {
				arr = ui.NewJSONArray(ios.Out)
			}
			for i := range page {
				if err := arr.Add(l.JSON(page, i)); err != nil {
					return err
				}
			}
			if err := arr.Flush(); err != nil {
				return err
			}
			continue
		}
		if pg.Shown() == 0 {
			l.Empty()
			return nil
		}
		if len(page) == 0 {
			continue // the last page was full: nothing after it
		}
		if t == nil {
			t = l.Table()
		}
		if err := l.Rows(t, page); err != nil {
			return err
		}
	}
	if arr != nil {
		return arr.Close()
	}
	if pg.More() {
		MoreHint(ios.ErrOut, l.Limit, l.One, l.Many)
	}
	return nil
}
