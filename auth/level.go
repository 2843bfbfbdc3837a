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

// Action is what a caller wants to do with a repository: the level it
// needs (reading needs read, pushing needs write) and, for one ref update
// of a push, the update. Authorize decides both kinds.
type Action struct {
	Level Level
	// Ref is the ref update being decided; its zero value means the
	// repository as a whole (a clone, the start of a push).
	Ref RefUpdate
}

// RefUpdate is one ref update of a push, as the pre-receive hook sees it.
type RefUpdate struct {
	Name     string  // full ref name, refs/heads/main
	Old, New string  // object ids; all zeros for a create or a delete
	Kind     Changes // exactly one kind: create, update (fast-forward), force or delete
}

// Actions the transports ask for.
var (
	ActionRead  = Action{Level: LevelRead}
	ActionWrite = Action{Level: LevelWrite}
	ActionAdmin = Action{Level: LevelAdmin}
)

// RefAction is the write action of one ref update.
func RefAction(u RefUpdate) Action { return Action{Level: LevelWrite, Ref: u} }

// String names the action: the level, and the ref and kind of a ref update
// ("write refs/heads/main (force)").
func (a Action) String() string {
	if a.Ref.Name == "" {
		return a.Level.String()
	}
	return a.Level.String() + " " + a.Ref.Name + " (" + a.Ref.Kind.String() + ")"
}

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
