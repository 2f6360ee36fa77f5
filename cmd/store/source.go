package storecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/jsonmsg"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/dump"
	"github.com/hookctl/hookctl/internal/subscription"
)

// errCut: the input ends in the middle of a record (an export cut short:
// a full disk, an interrupted copy); source.n is that record's number.
var errCut = errors.New("the last line is cut short")

// source reads the records of a dump for store import, one at a time
// (a dump may be larger than memory, and stdin cannot be read twice),
// each checked as import would refuse it, numbered from 1. readAhead
// reads the first ones before the store is opened, so that a file that
// is no dump creates no store.
type source struct {
	name  string // the file, or stdin
	dec   *dump.Reader
	n     int64          // the number of the last record read from dec
	ahead []store.Record // read ahead, not yet returned by next
	end   error          // what ended the reading ahead (io.EOF, errCut), or nil
}

func newSource(name string, in io.Reader) *source {
	return &source{name: name, dec: dump.NewReader(in)}
}

// readAhead reads up to max records (import's first batch, which it
// holds in memory anyway) and returns the first error in them: the
// header of an unknown format, a line that is not JSON, a record no
// store takes. Called before the store is opened, so that such a file
// creates no store (`hookctl store import stripe.json --store new.db`
// left an empty new.db behind). A file cut short in its first record
// is said here too: there is nothing in it to import. One cut after
// whole records is left for next, which returns the records first.
func (s *source) readAhead(max int) error {
	for len(s.ahead) < max {
		r, err := s.read()
		switch {
		case errors.Is(err, errCut) && s.n == 1:
			// (the words of a cut after whole records, which scripts may
			// match; the hint says what differs)
			return cli.Usagef("%s: record 1: the last line is cut short: the file was truncated", s.name).
				Hint("nothing was imported, no store opened: export again (or copy the whole file) and import it")
		case errors.Is(err, io.EOF), errors.Is(err, errCut):
			s.end = err
			return nil
		case err != nil:
			return err
		}
		s.ahead = append(s.ahead, r)
	}
	return nil
}

// next returns the next record; at the end, io.EOF; when the input ends
// in the middle of a record, errCut; else a usage error naming the
// record and what is wrong with it.
func (s *source) next() (store.Record, error) {
	if len(s.ahead) > 0 {
		r := s.ahead[0]
		s.ahead[0] = store.Record{} // let it go once written
		s.ahead = s.ahead[1:]
		return r, nil
	}
	if s.end != nil {
		return store.Record{}, s.end
	}
	return s.read()
}

// read reads and checks the next record of dec.
func (s *source) read() (store.Record, error) {
	s.n++
	name, n, dec := s.name, s.n, s.dec
	r, err := dec.Next()
	if errors.Is(err, io.EOF) {
		s.n--
		return r, io.EOF
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return r, errCut
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// stdin's read interrupted (interruptible): not the record's fault
		s.n--
		return r, err
	}
	var fe *dump.FormatError
	if errors.As(err, &fe) {
		if fe.Version > dump.Version {
			return r, cli.Usagef("%s: %v", name, err).
				Hint("a newer hookctl wrote it: upgrade hookctl (hookctl version says which you have), then import it")
		}
		return r, cli.Usagef("%s: %v", name, err).Hint("the file must be JSON lines written by \"hookctl store export\"")
	}
	var re *dump.RecordError
	if errors.As(err, &re) {
		if re.Type != nil {
			// (json's own words name Go types: "cannot unmarshal array
			// into Go value of type store.Record")
			err = fmt.Errorf("%s where %s", jsonmsg.Found(re.Type), recordWant(re.Type))
			return r, cli.Usagef("%s: record %d: invalid JSON: %v", name, n, err).Hint("the file must be JSON lines written by \"hookctl store export\"")
		}
		return r, cli.Usagef("%s: record %d: %v", name, n, err).
			Hint("\"hookctl store export\" writes no such record: was the file edited?")
	}
	if err != nil {
		return r, cli.Usagef("%s: record %d: invalid JSON: %v", name, n, err).Hint("the file must be JSON lines written by \"hookctl store export\"")
	}
	if k := kinds(r); k != 1 {
		return r, cli.Usagef("%s: record %d: want exactly one of subscription, object, event, delivery, attempt, got %d", name, n, k).
			Hint("the file must be JSON lines written by \"hookctl store export\"")
	}
	if o := r.Object; o != nil && (o.Kind == "" || o.ID == "") {
		what := "a Kind and an ID"
		if dec.Version() > 1 {
			what = "a kind and an id"
		}
		return r, cli.Usagef("%s: record %d: an object needs %s", name, n, what).
			Hint("the file must be JSON lines written by \"hookctl store export\"")
	}
	v := dec.Version()
	err = store.CheckImportNamed(r, func(kind, field string) string { return dump.FieldName(v, kind, field) })
	if err == nil && r.Subscription != nil {
		err = subscription.CheckImported(r.Subscription)
	}
	// A dump of a store from before URL schemes were kept in lower
	// case: stored as the schema's migration keeps them.
	if r.Subscription != nil {
		r.Subscription.CallbackURL = subscription.LowerScheme(r.Subscription.CallbackURL)
	}
	if r.Delivery != nil {
		r.Delivery.URL = subscription.LowerScheme(r.Delivery.URL)
	}
	if err != nil {
		return r, cli.Usagef("%s: record %d: %v", name, n, err).
			Hint("\"hookctl store export\" writes no such record: was the file edited?")
	}
	return r, nil
}

// recordWant is what an import record's JSON should have had where a
// value of the wrong type was found.
func recordWant(e *json.UnmarshalTypeError) string {
	if e.Field == "" {
		return "each line should be a JSON object"
	}
	return "field " + e.Field + " should be " + jsonmsg.Want(e.Type)
}
