package store

import "strings"

// MatchEvent reports whether an event type matches a subscription pattern:
// the exact name, "*", or a prefix ending in ".*" (card.* matches
// card.created and card.status.updated). Same rule as catalog.Match; the
// store cannot import the catalog.
func MatchEvent(pattern, eventType string) bool {
	if pattern == "*" || pattern == eventType {
		return true
	}
	if p, ok := strings.CutSuffix(pattern, "*"); ok && strings.HasSuffix(p, ".") {
		return len(eventType) > len(p) && strings.HasPrefix(eventType, p)
	}
	return false
}

// SubscriptionMatches reports whether any of s's patterns matches eventType.
func SubscriptionMatches(s *Subscription, eventType string) bool {
	for _, p := range s.Events {
		if MatchEvent(p, eventType) {
			return true
		}
	}
	return false
}
