package server

import (
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

func TestExpiryNotice(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	d := auth.Decision{Allowed: true, Grant: "g_1", Expires: now.Add(8 * time.Minute)}
	got := expiryNotice(d, now, 10*time.Minute, "https://git.example.com/", "acme/app", auth.LevelWrite)
	want := "jitgit: grant g_1 (write on acme/app) ends at 2026-12-01 14:08 UTC, in 8m; extend it: https://git.example.com/requests/new?repo=acme/app&access=write\n"
	if got != want {
		t.Errorf("notice\n got %q\nwant %q", got, want)
	}
	if strings.Count(got, "\n") != 1 {
		t.Error("not one line")
	}
	for name, c := range map[string]struct {
		d    auth.Decision
		lead time.Duration
	}{
		"further than the lead": {auth.Decision{Grant: "g_1", Expires: now.Add(time.Hour)}, 10 * time.Minute},
		"a policy decided":      {auth.Decision{Policy: "p", Expires: time.Time{}}, 10 * time.Minute},
		"no lead":               {d, 0},
		"already ended":         {auth.Decision{Grant: "g_1", Expires: now.Add(-time.Second)}, 10 * time.Minute},
	} {
		if n := expiryNotice(c.d, now, c.lead, "https://x", "acme/app", auth.LevelRead); n != "" {
			t.Errorf("%s: %q", name, n)
		}
	}
}
