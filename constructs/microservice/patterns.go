package microservice

import (
	"slices"
	"strings"
)

// ALB path patterns are case-sensitive globs: '*' matches any run of
// characters, none included ('/' too), and '?' exactly one; every other
// character matches itself. Overlap and Uncovered decide, for such
// patterns, whether two can match the same path and whether some can miss
// what another matches, each with an example path: they run the patterns
// as automata (a pattern's state is how much of it has matched) side by
// side, breadth first, so the example is a shortest one.

// maxSearch bounds the states Uncovered explores; patterns of at most
// MaxPathPatternLength characters, a few per service, stay far below it.
const maxSearch = 1 << 20

// Overlap returns a path that patterns a and b both match, and false when
// none does.
func Overlap(a, b string) (string, bool) {
	return search(a, []string{b}, true)
}

// Uncovered returns a path that pattern matches and none of others does,
// and false when others match every path pattern matches.
func Uncovered(pattern string, others []string) (string, bool) {
	return search(pattern, others, false)
}

// globState is where a pattern's automaton is: the set of pattern indexes
// reachable (len(pattern) is the accepting one).
type globState []bool

// closure adds the states a '*' may skip to.
func closure(pattern string, s globState) globState {
	for i := 0; i < len(pattern); i++ {
		if s[i] && pattern[i] == '*' {
			s[i+1] = true
		}
	}
	return s
}

// start is a pattern's state before any character.
func start(pattern string) globState {
	s := make(globState, len(pattern)+1)
	s[0] = true
	return closure(pattern, s)
}

// step is the state after the character c.
func step(pattern string, s globState, c byte) globState {
	next := make(globState, len(pattern)+1)
	for i := 0; i < len(pattern); i++ {
		if !s[i] {
			continue
		}
		switch pattern[i] {
		case '*':
			next[i] = true
		case '?':
			next[i+1] = true
		default:
			if pattern[i] == c {
				next[i+1] = true
			}
		}
	}
	return closure(pattern, next)
}

func (s globState) accepts() bool { return s[len(s)-1] }

func (s globState) empty() bool { return !slices.Contains(s, true) }

// key writes the state compactly, for the set of states seen.
func (s globState) key(b *strings.Builder) {
	for _, on := range s {
		if on {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	b.WriteByte('|')
}

// search looks for a path that pattern matches and that every one of
// others matches (all) or none of others does (!all).
func search(pattern string, others []string, all bool) (string, bool) {
	type node struct {
		path  string
		self  globState
		other []globState
	}
	alphabet := alphabetOf(append([]string{pattern}, others...))
	first := node{self: start(pattern)}
	for _, o := range others {
		first.other = append(first.other, start(o))
	}
	seen := map[string]bool{}
	queue := []node{first}
	for len(queue) > 0 && len(seen) < maxSearch {
		n := queue[0]
		queue = queue[1:]
		var k strings.Builder
		n.self.key(&k)
		for _, o := range n.other {
			o.key(&k)
		}
		if seen[k.String()] {
			continue
		}
		seen[k.String()] = true
		if n.self.accepts() && n.path != "" && wanted(n.other, all) {
			return n.path, true
		}
		for _, c := range alphabet {
			next := node{path: n.path + string(c), self: step(pattern, n.self, c)}
			if next.self.empty() {
				continue
			}
			dead := false
			for i, o := range n.other {
				s := step(others[i], o, c)
				// With all, every other pattern must still be able to
				// match.
				dead = dead || all && s.empty()
				next.other = append(next.other, s)
			}
			if !dead {
				queue = append(queue, next)
			}
		}
	}
	return "", false
}

// wanted reports whether the other patterns' states are what search looks
// for: all accepting, or none.
func wanted(others []globState, all bool) bool {
	for _, o := range others {
		if o.accepts() != all {
			return false
		}
	}
	return true
}

// alphabetOf returns the characters that can tell the patterns apart:
// their literal characters, and one that none of them has (what '*' and
// '?' match when no literal is wanted). Letters and '/' come first, so
// that examples read as paths.
func alphabetOf(patterns []string) []byte {
	set := map[byte]bool{}
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			if p[i] != '*' && p[i] != '?' {
				set[p[i]] = true
			}
		}
	}
	for _, c := range []byte("xyzqjkw0123456789") {
		if !set[c] {
			set[c] = true
			break
		}
	}
	var out []byte
	for c := range set {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b byte) int {
		rank := func(c byte) int {
			switch {
			case c == '/':
				return 0
			case c >= 'a' && c <= 'z':
				return 1
			}
			return 2
		}
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return int(a) - int(b)
	})
	return out
}
