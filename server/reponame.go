package server

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// maxRawRepo bounds the raw repository part of a request before any work is
// done on it. A canonical name is at most 39+1+100+4 bytes; percent-encoding
// can triple that.
const maxRawRepo = 512

// ResolveRepo turns the repository part of a request (the raw, still
// percent-encoded URL path segment over HTTP, or the quoted argument of an
// SSH command) into the one canonical name of the repository, "owner/name".
//
// The input is decoded exactly once. One leading '/' is allowed and dropped;
// anything else that could make the name mean two things is rejected: a '%'
// left after decoding (double encoding), an encoded '/' or '\', NUL and other
// control bytes, backslashes, a second leading '/', empty, "." and ".."
// segments, segments starting with '-', and every name auth.CanonicalRepo
// refuses (upper case, a doubled ".git", bytes outside its alphabet). Errors
// wrap auth.ErrInvalid and are safe to show to the client.
func ResolveRepo(raw string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: repository path: %s", auth.ErrInvalid, why)
	}
	if raw == "" {
		return bad("empty")
	}
	if len(raw) > maxRawRepo {
		return bad("too long")
	}
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return bad("encoded '/' or '\\' is not allowed")
	}
	s, err := url.PathUnescape(raw)
	if err != nil {
		return bad("malformed percent-encoding")
	}
	if strings.ContainsRune(s, '%') {
		return bad("double percent-encoding is not allowed")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return bad("control characters are not allowed")
		}
	}
	if strings.ContainsRune(s, '\\') {
		return bad("backslashes are not allowed")
	}
	s = strings.TrimPrefix(s, "/")
	if strings.HasPrefix(s, "/") {
		return bad("use a path relative to the server, like owner/name.git")
	}
	for _, seg := range strings.Split(s, "/") {
		switch {
		case seg == "":
			return bad("empty path segment")
		case seg == "." || seg == "..":
			return bad("'.' and '..' segments are not allowed")
		case strings.HasPrefix(seg, "-"):
			return bad("a segment may not start with '-'")
		}
	}
	name, err := auth.CanonicalRepo(s)
	if err != nil {
		return "", fmt.Errorf("resolve repository: %w", err)
	}
	return name, nil
}

// Path returns the absolute directory of the bare repository with the given
// canonical name: <Root>/owner/name.git. It refuses names that are not
// canonical and proves lexically that the result stays inside the root; it
// does not follow symbolic links.
func (r *Repos) Path(name string) (string, error) {
	canon, err := auth.CanonicalRepo(name)
	if err != nil {
		return "", fmt.Errorf("repository path: %w", err)
	}
	if canon != name {
		return "", fmt.Errorf("%w: repository path: %q is not canonical, use %q", auth.ErrInvalid, name, canon)
	}
	if r.Root == "" {
		return "", fmt.Errorf("repository path: no repository root configured")
	}
	root, err := filepath.Abs(r.Root)
	if err != nil {
		return "", fmt.Errorf("repository path: root: %w", err)
	}
	owner, repo, _ := strings.Cut(name, "/")
	p := filepath.Join(root, owner, repo+".git")
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: repository path: %q leaves the repository root", auth.ErrInvalid, name)
	}
	return p, nil
}
