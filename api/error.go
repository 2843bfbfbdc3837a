package api

// Error is the body of every refusal, whatever its status.
type Error struct {
	Error string `json:"error"`
}
