package cli

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
