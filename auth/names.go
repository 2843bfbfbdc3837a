package auth

import (
	"fmt"
	"strings"
)

// Name limits. Names are lowercase ASCII so that every repository, user and
// group has exactly one spelling, on disk and in grants.
const (
	maxOwnerLen = 39
	maxRepoLen  = 100
	maxUserLen  = 39
)

func nameChars(s string, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}

func firstAlnum(s string) bool {
	c := s[0]
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// ValidateUserName checks a user or group name: 1–39 characters of a–z, 0–9,
// '-', '_' and '.', starting with a letter or digit, with no "..".
func ValidateUserName(name string) error {
	if name == "" || len(name) > maxUserLen || !firstAlnum(name) || !nameChars(name, "_.") ||
		strings.Contains(name, "..") || strings.HasSuffix(name, ".") {
		return fmt.Errorf("%w: name %q: use 1–%d lowercase letters, digits, '-', '_' or '.', starting with a letter or digit", ErrInvalid, name, maxUserLen)
	}
	return nil
}

// CanonicalRepo returns the one spelling of a repository name ("owner/name")
// or an error that says what is wrong. A single trailing ".git" is accepted
// and removed. It rejects upper case, "..", leading '-' or '.', empty or
// extra path segments, and any byte outside a–z, 0–9, '-', '_', '.', so the
// result is safe to join under the repository root and to pass to git.
func CanonicalRepo(s string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: repository %q: %s", ErrInvalid, Printable(s), why)
	}
	owner, name, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(name, "/") {
		return bad("use the form owner/name")
	}
	name = strings.TrimSuffix(name, ".git")
	if strings.ToLower(s) != s {
		return bad("names are lower case")
	}
	if owner == "" || len(owner) > maxOwnerLen || !firstAlnum(owner) || !nameChars(owner, "") {
		return bad(fmt.Sprintf("the owner is 1–%d letters, digits or '-', starting with a letter or digit", maxOwnerLen))
	}
	if name == "" || len(name) > maxRepoLen || !firstAlnum(name) || !nameChars(name, "_.") ||
		strings.Contains(name, "..") || strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".git") {
		return bad(fmt.Sprintf("the name is 1–%d letters, digits, '-', '_' or '.', starting with a letter or digit, not ending in '.' or .git", maxRepoLen))
	}
	return owner + "/" + name, nil
}

// CanonicalRepoPattern accepts an exact repository name or "owner/*".
func CanonicalRepoPattern(s string) (string, error) {
	if owner, ok := strings.CutSuffix(s, "/*"); ok {
		if _, err := CanonicalRepo(owner + "/x"); err != nil {
			return "", fmt.Errorf("%w: repository pattern %q: use owner/name or owner/*", ErrInvalid, Printable(s))
		}
		return s, nil
	}
	return CanonicalRepo(s)
}

// RepoMatches reports whether a canonical repository name falls under a
// pattern: the exact name, "owner/*", or "*" (every repository).
func RepoMatches(pattern, repo string) bool {
	if pattern == "*" || pattern == repo {
		return true
	}
	if owner, ok := strings.CutSuffix(pattern, "/*"); ok {
		return len(repo) > len(owner)+1 && repo[:len(owner)] == owner && repo[len(owner)] == '/'
	}
	return false
}

// Printable quotes control bytes so that an error never carries them to a
// terminal or log.
func Printable(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
