package web

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// parseSince reads a point in time: an RFC 3339 time, a date, or a
// duration back from now ("2h", "7d").
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	d, err := auth.ParseDuration(s, 0)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: since %q: use a duration (2h, 7d) or a time (2026-01-02 or RFC 3339)", auth.ErrInvalid, s)
	}
	return now.Add(-d), nil
}

func parseLimit(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 0, fmt.Errorf("%w: limit %q: use a number from 1 to 100000", auth.ErrInvalid, s)
	}
	return n, nil
}
