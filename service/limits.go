package service

import (
	"fmt"
	"strconv"

	"github.com/jitgit/jitgit/auth"
)

// limit is one limit of Config a running server can change: its config
// key and how it reads.
type limit struct {
	Key string
	get func(Config) string
}

// limits are the limits SetLimits changes, by config key. The rest of
// Config (credentials, audit key, password cost and sign-in, local
// mirrors) is fixed at start.
var limits = []limit{
	{"limits.max_grant", func(c Config) string { return auth.FormatDuration(c.MaxGrant) }},
	{"limits.default_request", func(c Config) string { return auth.FormatDuration(c.DefaultRequest) }},
	{"limits.pending_lifetime", func(c Config) string { return auth.FormatDuration(c.PendingLifetime) }},
	{"limits.approvals", func(c Config) string { return strconv.Itoa(c.Approvals) }},
	{"limits.max_reason", func(c Config) string { return strconv.Itoa(c.MaxReason) }},
	{"notify.expiring_soon", func(c Config) string { return auth.FormatDuration(c.ExpiringSoon) }},
	{"tokens.default_lifetime", func(c Config) string { return auth.FormatDuration(c.TokenDefault) }},
	{"tokens.max_lifetime", func(c Config) string { return auth.FormatDuration(c.TokenMax) }},
	{"tokens.allow_never", func(c Config) string { return strconv.FormatBool(c.TokenNever) }},
}

// SetLimits puts in force the limits of c, keeping the rest of the
// running Config, and returns what changed as "key old → new", in the
// order of limits. Requests under way finish under the limits they
// started with; the next ones read the new.
func (s *Service) SetLimits(c Config) []string {
	old := s.Config()
	next := old
	next.MaxGrant, next.DefaultRequest, next.PendingLifetime = c.MaxGrant, c.DefaultRequest, c.PendingLifetime
	next.Approvals, next.MaxReason, next.ExpiringSoon = c.Approvals, c.MaxReason, c.ExpiringSoon
	next.TokenDefault, next.TokenMax, next.TokenNever = c.TokenDefault, c.TokenMax, c.TokenNever
	next = next.withDefaults()
	var changed []string
	for _, l := range limits {
		if a, b := l.get(old), l.get(next); a != b {
			changed = append(changed, fmt.Sprintf("%s %s → %s", l.Key, a, b))
		}
	}
	s.cfg.Store(&next)
	return changed
}
