package main

import (
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/server"
)

// loadAdmission reads the connection budgets: ssh_limits.max_startups,
// max_startups_per_address, max_connections_per_user and
// http_max_connections.
func loadAdmission(f *fileConfig, cfg *Config) error {
	var errs []error
	startups := func(key, v string, dst *server.Startups) {
		if v == "" {
			return
		}
		st, err := server.ParseStartups(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			return
		}
		*dst = st
	}
	startups("ssh_limits.max_startups", f.SSHLimits.Startups, &cfg.SSHLimits.Startups)
	startups("ssh_limits.max_startups_per_address", f.SSHLimits.StartupsPerAddr, &cfg.SSHLimits.StartupsPerAddr)
	switch n := f.SSHLimits.MaxConnsPerUser; {
	case n < 0:
		errs = append(errs, errors.New("ssh_limits.max_connections_per_user must be positive"))
	case n > 0:
		cfg.SSHLimits.MaxConnsPerUser = n
	}
	switch n := f.MaxHTTPConns; {
	case n < 0:
		errs = append(errs, errors.New("http_max_connections must be positive (0: below the descriptor limit)"))
	case n > 0:
		cfg.MaxHTTPConns = n
	}
	return errors.Join(errs...)
}
