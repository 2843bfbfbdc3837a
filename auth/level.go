package auth

import "fmt"

// Level is an access level on a repository. A higher level implies the
// lower ones: admin ⊃ write ⊃ read.
type Level int

// Access levels, in increasing order. LevelNone is the zero value and never
// allows anything.
const (
	LevelNone Level = iota
	LevelRead
	LevelWrite
	LevelAdmin
)

// Action is what a caller wants to do with a repository. It shares the
// spelling of the levels: reading needs read, pushing needs write.
type Action = Level

// Actions the transports ask for.
const (
	ActionRead  = LevelRead
	ActionWrite = LevelWrite
	ActionAdmin = LevelAdmin
)

// String returns the level's name as users type it.
func (l Level) String() string {
	switch l {
	case LevelRead:
		return "read"
	case LevelWrite:
		return "write"
	case LevelAdmin:
		return "admin"
	}
	return "none"
}

// Implies reports whether holding l is enough for want.
func (l Level) Implies(want Level) bool { return want != LevelNone && l >= want }

// ParseLevel parses "read", "write" or "admin".
func ParseLevel(s string) (Level, error) {
	switch s {
	case "read":
		return LevelRead, nil
	case "write":
		return LevelWrite, nil
	case "admin":
		return LevelAdmin, nil
	}
	return LevelNone, fmt.Errorf("%w: access level %q: use read, write or admin", ErrInvalid, s)
}

// MarshalText encodes the level by name, so stored records and JSON read well.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a level name.
func (l *Level) UnmarshalText(b []byte) error {
	if string(b) == "none" {
		*l = LevelNone
		return nil
	}
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
