package web

import (
	"fmt"
	"time"
)

// relTime says how far t is from now in words a deadline is read in:
// "in 3 hours", "in 5 minutes", "2 days ago". The pages compute it with the
// server's clock, so a test clock moves it too.
func relTime(t, now time.Time) string {
	d := t.Sub(now)
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		if past {
			return "just now"
		}
		return "in less than a minute"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		s = plural(h, "hour")
		if h < 10 && m > 0 {
			s += " " + plural(m, "minute")
		}
	default:
		s = plural(int(d/(24*time.Hour)), "day")
	}
	if past {
		return s + " ago"
	}
	return "in " + s
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
