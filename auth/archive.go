package auth

import (
	"fmt"
	"time"
)

// ArchivedReason is the words of a decision refused because r is archived:
// since when, by whom, why, and who can bring it back.
func ArchivedReason(r Repo) string {
	s := fmt.Sprintf("%s is archived (since %s by %s", r.Name, r.Archived.UTC().Format(time.RFC3339), r.ArchivedBy)
	if r.ArchiveReason != "" {
		s += ": " + r.ArchiveReason
	}
	return s + "): nobody has access to it; an administrator can restore access with `jitgit repo unarchive " + r.Name + "`"
}
