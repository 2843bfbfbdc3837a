package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// queueItem is one request in the approvals queue.
type queueItem struct {
	service.RequestItem
	Approvals int
	Mine      bool
	Reviewed  bool // the viewer approved it already
	Choices   []durationChoice
}

// queueData is one page of the approvals queue with its filter.
type queueData struct {
	Search, Repo, User, Status, Access, Sort string
	Items                                    []queueItem
	Total                                    int
	Next, First                              string // links to the next and the first page; "" when there is none
	Deciding                                 int    // items on this page the viewer may decide
	Statuses                                 []string
	Failed                                   []string // bulk decisions that did not go through, each with why
	BulkReason                               string
	Back                                     string // the filter as a query, for the bulk form to come back to
}

// queueFilter reads the queue's query: its filter, sort and cursor.
func queueFilter(q url.Values) (queueData, service.RequestPageFilter, error) {
	d := queueData{Search: strings.TrimSpace(q.Get("q")), Repo: strings.TrimSpace(q.Get("repo")), User: strings.TrimSpace(q.Get("user")),
		Status: q.Get("status"), Access: q.Get("access"), Sort: q.Get("sort"),
		Statuses: []string{"pending", "approved", "denied", "cancelled", "expired", "any"}}
	if d.Status == "" {
		d.Status = "pending"
	}
	f := service.RequestPageFilter{Search: d.Search, Repo: d.Repo, User: d.User, Oldest: d.Sort == "oldest", After: q.Get("after")}
	switch d.Status {
	case "any":
	case "pending", "approved", "denied", "cancelled", "expired":
		f.Status = auth.RequestStatus(d.Status)
	default:
		return d, f, fmt.Errorf("%w: status %q: choose pending, approved, denied, cancelled, expired or any", auth.ErrInvalid, d.Status)
	}
	switch d.Access {
	case "":
	case "read", "write":
		f.Level, _ = auth.ParseLevel(d.Access)
	default:
		return d, f, fmt.Errorf("%w: access %q: choose read or write", auth.ErrInvalid, d.Access)
	}
	if d.Sort != "" && d.Sort != "oldest" && d.Sort != "newest" {
		return d, f, fmt.Errorf("%w: sort %q: choose newest or oldest", auth.ErrInvalid, d.Sort)
	}
	return d, f, nil
}

// query is the queue's filter as a query string, without the cursor.
func (d queueData) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"q": d.Search, "repo": d.Repo, "user": d.User, "access": d.Access, "sort": d.Sort} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if d.Status != "pending" {
		q.Set("status", d.Status)
	}
	return q
}

func (h *Handler) approvals(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.showQueue(w, r, v, r.URL.Query(), http.StatusOK, "", nil, "")
}

// showQueue renders one page of the queue chosen by q, with msg as its
// error and failed as the bulk decisions that did not go through.
func (h *Handler) showQueue(w http.ResponseWriter, r *http.Request, v *visit, q url.Values, status int, msg string, failed []string, bulkReason string) error {
	d, f, err := queueFilter(q)
	if err == nil {
		var p service.RequestPage
		p, err = h.svc.RequestPage(r.Context(), v.who, f)
		if err == nil {
			d.Total = p.Total
			for _, it := range p.Items {
				d.Items = append(d.Items, h.queueItem(v, it))
			}
			base := d.query()
			d.Back = base.Encode()
			if p.Next != "" {
				next := d.query()
				next.Set("after", p.Next)
				d.Next = "/approvals?" + next.Encode()
			}
			if f.After != "" {
				d.First = "/approvals?" + base.Encode()
			}
		}
	}
	if err != nil {
		if pageStatus(err) == http.StatusInternalServerError {
			return err
		}
		msg, status = friendly(err), pageStatus(err)
	}
	for _, it := range d.Items {
		if !it.Mine && !it.Reviewed && it.Status == auth.StatusPending {
			d.Deciding++
		}
	}
	d.Failed, d.BulkReason = failed, bulkReason
	vw := v.view("Approvals", "approvals", d)
	vw.Error = msg
	if msg == "" {
		vw.Notice = notice(w, r)
	}
	h.render(w, status, "approvals", vw)
	return nil
}

func (h *Handler) queueItem(v *visit, it service.RequestItem) queueItem {
	qi := queueItem{RequestItem: it, Mine: it.Requester == v.who.User}
	qi.Status = shownStatus(it.Request, h.pg.now())
	for _, rv := range it.Reviews {
		if rv.Approved {
			qi.Approvals++
		}
		qi.Reviewed = qi.Reviewed || rv.By == v.who.User
	}
	if it.CanDecide && qi.Status == auth.StatusPending {
		qi.Choices = durationChoices(it.Duration, auth.FormatDuration(it.Duration))
	}
	return qi
}

// maxBulk bounds one bulk decision: a page of the queue.
const maxBulk = service.MaxRequestPage

// bulkDecide approves or denies the chosen requests one by one, each in
// its own transaction and on the record; one that cannot be decided is
// named with why, and the others still are.
func (h *Handler) bulkDecide(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	back, _ := url.ParseQuery(f.Get("back"))
	ids := f["id"]
	action := f.Get("decision")
	reason := f.Get("reason")
	switch {
	case len(ids) == 0:
		return h.showQueue(w, r, v, back, http.StatusBadRequest, "Choose at least one request.", nil, reason)
	case len(ids) > maxBulk:
		return h.showQueue(w, r, v, back, http.StatusBadRequest, fmt.Sprintf("Choose at most %d requests at once.", maxBulk), nil, reason)
	case action != "approve" && action != "deny":
		return h.showQueue(w, r, v, back, http.StatusBadRequest, "Choose approve or deny.", nil, reason)
	case action == "deny" && strings.TrimSpace(reason) == "":
		return h.showQueue(w, r, v, back, http.StatusBadRequest, "Say why you deny them: the requesters see the reason.", nil, reason)
	}
	var failed []string
	for _, id := range ids {
		var err error
		if action == "approve" {
			_, err = h.svc.ApproveRequest(r.Context(), v.who, id, 0, "")
		} else {
			_, err = h.svc.DenyRequest(r.Context(), v.who, id, reason)
		}
		if err != nil {
			if pageStatus(err) == http.StatusInternalServerError {
				return err
			}
			failed = append(failed, id+": "+friendly(err))
		}
	}
	if failed != nil {
		msg := strconv.Itoa(len(failed)) + " of " + strconv.Itoa(len(ids)) + " could not be decided; the others are."
		return h.showQueue(w, r, v, back, http.StatusConflict, msg, failed, reason)
	}
	path := "/approvals"
	if d, _, err := queueFilter(back); err == nil && len(d.query()) > 0 {
		path += "?" + d.query().Encode()
	}
	seeOther(w, r, path, "bulk")
	return nil
}
