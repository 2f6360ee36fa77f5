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
