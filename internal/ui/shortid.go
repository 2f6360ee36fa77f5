package ui

// ShortIDLen is how many characters of an id tables and hints show on a
// terminal: enough to find it again (commands take a unique prefix).
const ShortIDLen = 8

// ShortID is id cut to ShortIDLen characters (ids shorter are whole).
func ShortID(id string) string {
	if len(id) > ShortIDLen {
		return id[:ShortIDLen]
	}
	return id
}

// ShortIDs cuts ids (a list's, on a terminal) to their first ShortIDLen
// characters, or to as many more as it takes for each prefix to name one
// id of the list: every command that takes an id takes a unique prefix,
// and a prefix two rows share would copy as an ambiguous one.
func ShortIDs(ids []string) []string {
	n := ShortIDLen
	for ; ; n++ {
		seen := make(map[string]string, len(ids))
		unique, longer := true, false
		for _, id := range ids {
			p := id[:min(n, len(id))]
			if other, ok := seen[p]; ok && other != id {
				unique = false
			}
			seen[p] = id
			longer = longer || len(id) > n
		}
		if unique || !longer {
			break
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[:min(n, len(id))]
	}
	return out
}

// StreamIDs shortens the ids of a stream of lines (deliveries tail on a
// terminal) as ShortIDs shortens a list's: each id to as many characters
// as it takes for no other id seen before it (printed, or about to be:
// See) to share them. A line already printed cannot grow: an id seen
// later that shares its prefix is printed longer, and the earlier line's
// prefix names both.
// It remembers the last StreamIDsKeep ids (older ones scrolled away).
// The zero value is ready to use; not safe for concurrent use.
type StreamIDs struct {
	// by8 holds the ids remembered, by their first ShortIDLen characters.
	by8 map[string][]string
	n   int
}

// StreamIDsKeep is how many ids a StreamIDs remembers.
const StreamIDsKeep = 100_000

// See remembers ids about to be printed (one read's), so that the
// prefix Short gives each of them is unique among all of them too.
func (s *StreamIDs) See(ids ...string) {
	for _, id := range ids {
		s.Short(id)
	}
}

// Short returns id's prefix, unique among the ids seen so far, and
// remembers id.
func (s *StreamIDs) Short(id string) string {
	if s.by8 == nil || s.n >= StreamIDsKeep {
		s.by8, s.n = map[string][]string{}, 0
	}
	key := ShortID(id)
	others := s.by8[key]
	n := ShortIDLen
	known := false
	for _, o := range others {
		if o == id {
			known = true
			continue
		}
		// The first character where id and o differ must be shown.
		common := 0
		for common < len(id) && common < len(o) && id[common] == o[common] {
			common++
		}
		n = max(n, common+1)
	}
	if !known {
		s.by8[key] = append(others, id)
		s.n++
	}
	return id[:min(n, len(id))]
}
