// Package textdist measures how far apart two words are, for the
// did-you-mean hints (events, check ids, flags, config keys and values,
// store schemes). It imports nothing of hookctl's, so every package can
// use it.
package textdist

// Distance is the Levenshtein distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Closest returns the candidate a mistyped word most likely meant, for a
// did-you-mean hint: the nearest by Distance (ignoring case) when it is
// at most two edits away and nearer than the others, or the one candidate
// the word is a prefix of (three letters or more); "" when none is.
func Closest(word string, candidates []string) string {
	w := toLower(word)
	best, bestD, tie := "", 3, false
	prefixed, nprefixed := "", 0
	for _, c := range candidates {
		lc := toLower(c)
		if lc == w {
			continue
		}
		if len(w) >= 3 && len(lc) > len(w) && lc[:len(w)] == w {
			prefixed, nprefixed = c, nprefixed+1
		}
		switch d := Distance(w, lc); {
		case d < bestD:
			best, bestD, tie = c, d, false
		case d == bestD:
			tie = true
		}
	}
	if best != "" && !tie {
		return best
	}
	if nprefixed == 1 {
		return prefixed
	}
	return ""
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
