package api

import "time"

// Token is a personal access token as listed: what tells tokens apart
// and whether they still work, never the secret or its hash.
type Token struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"` // zero: never
	Revoked bool      `json:"revoked,omitempty"`
	// While names the grant or request the token lives with
	// ("grant:g_...", "request:r_..."), for tokens exchanged under a
	// trust rule that binds them.
	While string `json:"while,omitempty"`
}

// NewToken is the body that makes a token; Expires is a duration ("30d"),
// empty for the server's default lifetime, "never" for a token that never
// expires (where the server allows such tokens).
type NewToken struct {
	Name    string `json:"name,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// CreatedToken answers the making of a token. Token is the secret, in
// this answer and nowhere else, ever. Expires is the zero time for a
// token that never expires.
type CreatedToken struct {
	Token   string    `json:"token"`
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Expires time.Time `json:"expires"`
}

// TokenRevoked answers a revocation with the token's id.
type TokenRevoked struct {
	Revoked string `json:"revoked"`
}

// TokenExchange is a CI job's identity token (a JWT its platform issued)
// offered for a short-lived jitgit token. Grant or Request names the grant
// or request the token lives with, where the trust rule asks for one.
type TokenExchange struct {
	IDToken string `json:"id_token"`
	Grant   string `json:"grant,omitempty"`
	Request string `json:"request,omitempty"`
}
