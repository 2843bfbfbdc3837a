package auth

import (
	"fmt"
	"strings"
)

// Changes is a set of kinds of ref update. A single update is exactly one
// of ChangeCreate, ChangeUpdate (a fast-forward), ChangeForce (any other
// move) and ChangeDelete; a protection rule or a grant holds a set.
type Changes uint8

// Kinds of ref update. In a protection rule ChangeUpdate forbids every
// push to the ref, whatever its kind.
const (
	ChangeCreate Changes = 1 << iota
	ChangeUpdate
	ChangeForce
	ChangeDelete
)

// changeNames are the kinds as users type them, in display order.
var changeNames = [...]struct {
	c    Changes
	name string
}{{ChangeForce, "force"}, {ChangeDelete, "delete"}, {ChangeCreate, "create"}, {ChangeUpdate, "update"}}

// String lists the kinds, comma-separated ("force,delete"); "" for none.
func (c Changes) String() string {
	var names []string
	for _, n := range changeNames {
		if c&n.c != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// Has reports whether c holds every kind of want.
func (c Changes) Has(want Changes) bool { return c&want == want }

// ParseChanges parses a comma-separated list of force, delete, create and
// update. The empty string is the empty set.
func ParseChanges(s string) (Changes, error) {
	var c Changes
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	for w := range strings.SplitSeq(s, ",") {
		w = strings.TrimSpace(w)
		found := false
		for _, n := range changeNames {
			if n.name == w {
				c |= n.c
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("%w: ref change %q: use force, delete, create or update", ErrInvalid, Printable(w))
		}
	}
	return c, nil
}

// ValidateRefName checks a full ref name as git's check-ref-format does:
// it starts with "refs/", has at least three components, and no component
// is empty, starts with '.', ends with ".lock", or holds "..", "@{", a
// control byte, a space or any of ~ ^ : ? * [ \.
func ValidateRefName(ref string) error {
	return checkRef(ref, false)
}

// ValidateRefPattern checks a ref pattern: a full ref name in which '*'
// may stand for a whole component ("refs/heads/*/fix") or end one
// ("refs/heads/release-*"), at most once per component. A pattern that
// would match every ref ("refs/*") or none ("main", "refs/heads") is
// refused with what to write instead.
func ValidateRefPattern(p string) error {
	return checkRef(p, true)
}

func checkRef(s string, pattern bool) error {
	what := "ref"
	if pattern {
		what = "ref pattern"
	}
	bad := func(why string) error {
		return fmt.Errorf("%w: %s %q: %s", ErrInvalid, what, Printable(s), why)
	}
	switch {
	case s == "":
		return bad("is empty")
	case len(s) > 255:
		return bad("is longer than 255 bytes")
	case s == "*" || s == "refs/*" || s == "refs/**":
		return bad("would match every ref; name a namespace, such as refs/heads/* or refs/tags/*")
	case !strings.HasPrefix(s, "refs/"):
		return bad("must be a full ref name starting with refs/, such as refs/heads/" + strings.TrimPrefix(s, "/"))
	case strings.HasSuffix(s, "/") || strings.HasSuffix(s, "."):
		return bad("must not end with '/' or '.'")
	case strings.Contains(s, "..") || strings.Contains(s, "@{") || s == "@":
		return bad(`must not contain ".." or "@{"`)
	}
	parts := strings.Split(s, "/")
	if len(parts) < 3 {
		return bad("names a namespace, not a ref; add a name or /*, such as " + s + "/*")
	}
	for _, c := range parts {
		switch {
		case c == "":
			return bad("has an empty component (//)")
		case c[0] == '.':
			return bad("has a component starting with '.'")
		case strings.HasSuffix(c, ".lock"):
			return bad(`has a component ending with ".lock"`)
		}
		for i := 0; i < len(c); i++ {
			b := c[i]
			switch {
			case b < 0x20 || b == 0x7f || b == ' ':
				return bad("contains a control byte or a space")
			case strings.IndexByte(`~^:?[\`, b) >= 0:
				return bad(`contains one of ~ ^ : ? [ \`)
			case b == '*':
				if !pattern {
					return bad("contains '*'")
				}
				if i != len(c)-1 {
					return bad("has '*' inside a component; use it only as a whole component or at the end of one")
				}
			}
		}
	}
	return nil
}

// RefMatches reports whether the ref name matches a valid pattern. A '*'
// that ends the last component matches the rest of the name, slashes
// included ("refs/heads/release/*" matches refs/heads/release/1.2/rc); one
// in an earlier component matches within that component only.
func RefMatches(pattern, ref string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == ref
	}
	// Most refs differ from a pattern before its first star.
	if len(ref) <= star || ref[:star] != pattern[:star] {
		return false
	}
	for {
		pc, prest, pmore := strings.Cut(pattern, "/")
		if !pmore {
			prefix, star := strings.CutSuffix(pc, "*")
			if star {
				return strings.HasPrefix(ref, prefix) && len(ref) > len(prefix)
			}
			return pc == ref
		}
		rc, rrest, rmore := strings.Cut(ref, "/")
		if !rmore {
			return false
		}
		if prefix, star := strings.CutSuffix(pc, "*"); star {
			if !strings.HasPrefix(rc, prefix) || len(rc) == len(prefix) {
				return false
			}
		} else if pc != rc {
			return false
		}
		pattern, ref = prest, rrest
	}
}
