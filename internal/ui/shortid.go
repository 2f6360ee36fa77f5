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
