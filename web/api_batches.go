package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
)

// apiBulkGrants takes a bulk file as the request body, streamed: the
// service reads it as it comes (bounded by service.MaxBulkBytes), so the
// file is never one JSON document and never wholly in memory as text.
func (h *Handler) apiBulkGrants(identify identifyFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		answer := func(status int, v any) {
			w.WriteHeader(status)
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(v)
		}
		who, err := adminOf(identify, r, "a bulk grant")
		if err == nil && r.ContentLength > service.MaxBulkBytes {
			err = service.ErrBulkTooLarge
		}
		if err != nil {
			status := apiStatus(err)
			if errors.Is(err, service.ErrBulkTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			answer(status, api.Error{Error: err.Error()})
			return
		}
		q := r.URL.Query()
		o := service.BulkOptions{
			Format: q.Get("format"), DryRun: parseBool(q.Get("dry_run")), SkipInvalid: parseBool(q.Get("skip_invalid")),
			Extend: parseBool(q.Get("extend")), Note: q.Get("note"), BreakGlass: parseBool(q.Get("break_glass")), Reason: q.Get("reason"),
		}
		all := o.DryRun || parseBool(q.Get("lines"))
		r.Body = http.MaxBytesReader(w, r.Body, service.MaxBulkBytes+1)
		res, err := h.svc.BulkGrants(r.Context(), who, r.Body, o)
		out := viewBulk(res, all)
		status := http.StatusOK
		if res.Written {
			status = http.StatusCreated
		}
		if err != nil {
			out.Error = err.Error()
			status = apiStatus(err)
			switch {
			case errors.Is(err, service.ErrBulkInvalid):
				status = http.StatusUnprocessableEntity
			case errors.Is(err, service.ErrBulkTooLarge):
				status = http.StatusRequestEntityTooLarge
			case status == http.StatusInternalServerError:
				h.log.Error("api", "path", r.URL.Path, "err", err)
				if !res.Written {
					out.Error = "internal error; nothing was granted; the server log has the details"
				}
			}
		}
		answer(status, out)
	})
}

// apiImportUsers takes a user file as the request body, streamed like a
// bulk file.
func (h *Handler) apiImportUsers(identify identifyFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		answer := func(status int, v any) {
			w.WriteHeader(status)
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(v)
		}
		who, err := adminOf(identify, r, "a user import")
		if err != nil {
			answer(apiStatus(err), api.Error{Error: err.Error()})
			return
		}
		q := r.URL.Query()
		r.Body = http.MaxBytesReader(w, r.Body, service.MaxBulkBytes+1)
		res, err := h.svc.ImportUsers(r.Context(), who, r.Body, q.Get("format"), parseBool(q.Get("dry_run")))
		out := api.UserImportResult{Format: res.Format, DryRun: res.DryRun, New: res.New, Updated: res.Updated, Unchanged: res.Unchanged, Invalid: res.Invalid, Lines: []api.UserImportLine{}}
		for _, l := range res.Lines {
			out.Lines = append(out.Lines, api.UserImportLine{Line: l.Line, Status: l.Status, Name: l.Name, Error: l.Error})
		}
		status := http.StatusOK
		if err != nil {
			out.Error = err.Error()
			status = apiStatus(err)
			switch {
			case errors.Is(err, service.ErrImportInvalid):
				status = http.StatusUnprocessableEntity
			case errors.Is(err, service.ErrBulkTooLarge):
				status = http.StatusRequestEntityTooLarge
			case status == http.StatusInternalServerError:
				h.log.Error("api", "path", r.URL.Path, "err", err)
				out.Error = "internal error; the server log has the details"
			}
		}
		answer(status, out)
	})
}

func viewBulk(res service.BulkResult, all bool) api.BulkResult {
	out := api.BulkResult{Batch: res.Batch, Format: res.Format, DryRun: res.DryRun, New: res.New, Extended: res.Extended,
		Unchanged: res.Unchanged, Invalid: res.Invalid, Lines: []api.BulkLine{}}
	for _, l := range res.Lines {
		if !all && l.Status != service.BulkInvalid {
			continue
		}
		v := api.BulkLine{Line: l.Line, Status: l.Status, Subject: l.Subject, Repo: l.Repo, For: l.For, Grant: l.Grant, Extends: l.Extends, Error: l.Error}
		if l.Status != service.BulkInvalid {
			v.Access = l.Level.String()
		}
		out.Lines = append(out.Lines, v)
	}
	return out
}

func (h *Handler) apiRevokeGrants(r *http.Request, who auth.Identity) (int, api.GrantsRevoked, error) {
	in, err := body(r, api.RevokeGrants)
	if err != nil {
		return 0, api.GrantsRevoked{}, err
	}
	gs, err := h.svc.RevokeGrants(r.Context(), who, service.GrantFilter{User: in.User, Group: in.Group, Repo: in.Repo, Batch: in.Batch}, in.Reason)
	out := api.GrantsRevoked{Revoked: len(gs), IDs: make([]string, len(gs))}
	for i, g := range gs {
		out.IDs[i] = g.ID
	}
	return 0, out, err
}

func (h *Handler) apiListBatches(r *http.Request, who auth.Identity) (int, []api.Batch, error) {
	bs, err := h.svc.Batches(r.Context(), who)
	return 0, each(bs, func(b storage.Batch) api.Batch {
		return api.Batch{ID: b.ID, State: b.State.String(), CreatedBy: b.CreatedBy, Created: b.Created, Grants: b.Grants, Replaced: b.Replaced, Note: b.Note}
	}), err
}
