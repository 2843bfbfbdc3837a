package web

import (
	"net/http"
	"time"
)

// adminRepoRow is one repository on the administrators' list.
type adminRepoRow struct {
	Name        string
	Description string
	Status      *mirrorStatus // nil: a plain repository
	// Archived, ArchivedBy and ArchiveReason are the repository's archive
	// (Archived zero: none).
	Archived                  time.Time
	ArchivedBy, ArchiveReason string
}

// IsArchived reports whether the repository is archived.
func (r adminRepoRow) IsArchived() bool { return !r.Archived.IsZero() }

// adminRepos lists every repository with the status of each mirror.
func (h *Handler) adminRepos(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	rs, err := h.svc.ListRepos(r.Context(), v.who)
	if err != nil {
		return err
	}
	now := h.now()
	rows := make([]adminRepoRow, 0, len(rs))
	for _, x := range rs {
		rows = append(rows, adminRepoRow{Name: x.Name, Description: x.Description, Status: mirrorStatusOf(x, now),
			Archived: x.Archived, ArchivedBy: x.ArchivedBy, ArchiveReason: x.ArchiveReason})
	}
	h.render(w, http.StatusOK, "admin_repos", v.view("Repositories and mirrors", "admin-repos", rows))
	return nil
}
