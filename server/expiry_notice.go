package server

import (
	"net/url"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// expiryNotice is the one line a client is shown when the grant that
// allowed its operation ends within lead of now: when it ends and where to
// ask for more. It is empty otherwise (no lead, a policy decided, or the
// end is further away).
func expiryNotice(d auth.Decision, now time.Time, lead time.Duration, publicURL, repo string, level auth.Level) string {
	if lead <= 0 || d.Grant == "" || d.Expires.IsZero() || !d.Expires.After(now) || d.Expires.After(now.Add(lead)) {
		return ""
	}
	q := "repo=" + strings.ReplaceAll(url.QueryEscape(repo), "%2F", "/") + "&access=" + level.String()
	return "jitgit: grant " + d.Grant + " (" + level.String() + " on " + repo + ") ends at " +
		d.Expires.UTC().Format("2006-01-02 15:04 UTC") + ", in " + auth.FormatDuration(d.Expires.Sub(now).Round(time.Second)) +
		"; extend it: " + strings.TrimRight(publicURL, "/") + "/requests/new?" + q + "\n"
}
