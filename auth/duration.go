package auth

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses Go duration syntax plus a whole-day suffix ("7d",
// "1d12h"). It refuses zero, negative and overflowing values, and anything
// longer than max when max > 0.
func ParseDuration(s string, max time.Duration) (time.Duration, error) {
	d, err := parseDays(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%w: duration %q: use a positive length like 90m, 2h or 7d", ErrInvalid, s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%w: duration %q: must be longer than zero", ErrInvalid, s)
	}
	if max > 0 && d > max {
		return 0, fmt.Errorf("%w: duration %q is longer than the longest allowed, %s", ErrInvalid, s, FormatDuration(max))
	}
	return d, nil
}

func parseDays(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty")
	}
	i := strings.IndexByte(s, 'd')
	if i < 0 {
		return time.ParseDuration(s)
	}
	days, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || days < 0 {
		return 0, fmt.Errorf("bad days")
	}
	if days > int64(math.MaxInt64/int64(24*time.Hour)) {
		return 0, fmt.Errorf("overflow")
	}
	d := time.Duration(days) * 24 * time.Hour
	if rest := s[i+1:]; rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return 0, fmt.Errorf("bad rest")
		}
		if d > math.MaxInt64-r {
			return 0, fmt.Errorf("overflow")
		}
		d += r
	}
	return d, nil
}

// FormatDuration prints a duration the way users type it: "7d", "2h30m",
// "45s". It rounds to the second.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if s := d / time.Second; s > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}
