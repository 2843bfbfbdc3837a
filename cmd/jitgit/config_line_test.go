package main

import "testing"

// TestKeyLine: a validation message is traced to the line of the key or
// entry it starts with; one that names a line itself, or no key, gets 0.
func TestKeyLine(t *testing.T) {
	text := `audit_deadline = "2h"
[limits]
max_grant = "1d"
approvals = -1 # too few
[[webhook]]
url = "https://a.example/x"
[[webhook]]
url = "ftp://b"
[ssh_limits]
approvals = 3
`
	for _, c := range []struct {
		msg  string
		want int
	}{
		{"audit_deadline (2h) must be between 100ms and 1m", 1},
		{"limits.approvals must be positive", 4},
		{"limits.max_grant: bad", 3},
		{"webhook 2: webhook url \"ftp://b\": use http(s)", 7},
		{"webhook 3: nothing", 0},
		{"toml: line 5 (last key \"x\"): expected", 0},
		{"limits.max_reason must be positive", 0},
		{"Something else", 0},
	} {
		if got := keyLine(text, c.msg); got != c.want {
			t.Errorf("keyLine(%q) = %d, want %d", c.msg, got, c.want)
		}
	}
}
