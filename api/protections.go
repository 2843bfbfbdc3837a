package api

// Protection is a protection rule of refs: with plain write access, the
// refs matching Ref in the repositories matching Repo cannot be changed in
// the ways of Forbid ("force,delete"; "update" forbids every push).
type Protection struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	Repo        string `json:"repo"`
	Ref         string `json:"ref"`
	Forbid      string `json:"forbid"`
	Source      string `json:"source,omitempty"` // "config" or the admin who made it
}

// ProtectionRemoved is the answer to removing a rule.
type ProtectionRemoved struct {
	ID string `json:"id"`
}
