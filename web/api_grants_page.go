package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// grantFilter reads the filters GET /grants and /grants/page share.
func grantFilter(q url.Values) (service.GrantFilter, error) {
	f := service.GrantFilter{User: q.Get("user"), Group: q.Get("group"), Repo: q.Get("repo"), Batch: q.Get("batch"), All: parseBool(q.Get("all"))}
	if v := q.Get("expiring_within"); v != "" {
		d, err := auth.ParseDuration(v, 0)
		if err != nil {
			return f, fmt.Errorf("expiring_within: %w", err)
		}
		f.ExpiringWithin = d
	}
	return f, nil
}

// apiListGrantPage answers one page of grants, DefaultGrantPage unless
// limit says otherwise, from after on.
func (h *Handler) apiListGrantPage(r *http.Request, who auth.Identity) (int, api.GrantPage, error) {
	if err := needUser(who); err != nil {
		return 0, api.GrantPage{}, err
	}
	q := r.URL.Query()
	f, err := grantFilter(q)
	if err != nil {
		return 0, api.GrantPage{}, err
	}
	limit := api.DefaultGrantPage
	if s := q.Get("limit"); s != "" {
		if limit, err = parseLimit(s); err != nil {
			return 0, api.GrantPage{}, err
		}
		limit = min(limit, service.MaxGrantPage)
	}
	gs, next, err := h.svc.ListGrantPage(r.Context(), who, f, q.Get("after"), limit)
	page := api.GrantPage{Grants: each(gs, grantsAt(h.now())), Next: next}
	if page.Grants == nil {
		page.Grants = []api.Grant{}
	}
	return 0, page, err
}

// apiListGrants answers every grant the filters select as one JSON array,
// written a page at a time as it is read: memory stays that of a page
// however many grants there are. Errors before the first page are a JSON
// error; one later cuts the answer short, which no client takes for
// whole JSON.
func (h *Handler) apiListGrants(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	f, err := grantFilter(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	view := grantsAt(h.now())
	stream, err := streamPages(func(after string) ([]auth.Grant, string, error) {
		return h.svc.ListGrantPage(r.Context(), who, f, after, api.DefaultGrantPage)
	}, func(g auth.Grant) any { return view(g) })
	return 0, stream, err
}

// streamPages is an answer of every item that page gives, following its
// next cursor from the first page on, each put as view makes it. The
// first page is read before the answer starts, so an error there is a
// JSON error and not a cut answer.
func streamPages[T any](page func(after string) ([]T, string, error), view func(T) any) (jsonArrayStream, error) {
	items, next, err := page("")
	if err != nil {
		return nil, err
	}
	return jsonArrayStream(func(put func(any) error) error {
		for {
			for _, it := range items {
				if err := put(view(it)); err != nil {
					return err
				}
			}
			if next == "" {
				return nil
			}
			if items, next, err = page(next); err != nil {
				return err
			}
		}
	}), nil
}

// jsonArrayStream is an answer written as a JSON array of the values it
// puts, one at a time, in the layout the API's other answers have.
type jsonArrayStream func(put func(any) error) error

// writeTo writes the array to w; an error after its start is returned
// for the caller to cut the connection.
func (s jsonArrayStream) writeTo(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := s(func(v any) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if n == 0 {
			sep = "[\n  "
		}
		n++
		if _, err := bw.WriteString(sep); err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	end := "\n]\n"
	if n == 0 {
		end = "[]\n"
	}
	if _, err := bw.WriteString(end); err != nil {
		return err
	}
	return bw.Flush()
}
