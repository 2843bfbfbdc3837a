package web

import (
	"net/http"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// historyWindow is how far back the queue looks at a requester's history.
const historyWindow = 30 * 24 * time.Hour

// queueItem is one pending request in the approvals queue.
type queueItem struct {
	auth.Request
	Approvals int
	Mine      bool
	Reviewed  bool // the viewer approved it already
	Choices   []durationChoice
	History   history
}

// history sums up a requester's recent requests, as far as the approver
// may see them.
type history struct {
	Total, Approved, Denied, Cancelled, Expired int
}

func (h *Handler) approvals(w http.ResponseWriter, r *http.Request, v *visit) error {
	now := h.pg.now()
	all, err := h.svc.ListRequests(r.Context(), v.who, service.RequestFilter{})
	if err != nil {
		return err
	}
	past := make(map[string]*history)
	for _, x := range all {
		if x.Created.Before(now.Add(-historyWindow)) {
			continue
		}
		hs := past[x.Requester]
		if hs == nil {
			hs = &history{}
			past[x.Requester] = hs
		}
		hs.Total++
		switch shownStatus(x, now) {
		case auth.StatusApproved:
			hs.Approved++
		case auth.StatusDenied:
			hs.Denied++
		case auth.StatusCancelled:
			hs.Cancelled++
		case auth.StatusExpired:
			hs.Expired++
		}
	}
	var queue []queueItem
	for _, x := range all {
		if shownStatus(x, now) != auth.StatusPending {
			continue
		}
		mine := x.Requester == v.who.User
		if !mine && !h.svc.CanApprove(r.Context(), v.who, x.Repo) {
			continue
		}
		it := queueItem{Request: x, Mine: mine, History: *past[x.Requester]}
		for _, rv := range x.Reviews {
			if rv.Approved {
				it.Approvals++
			}
			it.Reviewed = it.Reviewed || rv.By == v.who.User
		}
		if !mine {
			it.Choices = durationChoices(x.Duration, auth.FormatDuration(x.Duration))
		}
		queue = append(queue, it)
	}
	vw := v.view("Approvals", "approvals", queue)
	vw.Notice = notice(w, r)
	h.render(w, http.StatusOK, "approvals", vw)
	return nil
}
