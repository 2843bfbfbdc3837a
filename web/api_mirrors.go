package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// reposAt converts repositories with the status that depends on now: how
// stale each mirror's copy is, and when it is fetched next.
func reposAt(now time.Time) func(auth.Repo) api.Repo {
	return func(r auth.Repo) api.Repo {
		v := viewRepo(r)
		v.Credential, v.HostKeyFromFirstFetch = r.Credential, r.HostKeyTOFU
		v.HostKeys = service.HostKeyFingerprints(r.HostKeys)
		v.LastSuccess, v.SyncRewritten, v.Failures = r.LastSuccess, r.SyncRewritten, r.Failures
		if r.SyncDuration > 0 {
			v.SyncDuration = r.SyncDuration.Round(time.Millisecond).String()
		}
		switch {
		case r.IsArchived():
			v.State = "archived"
		case r.ReadOnly:
			v.State = "read-only"
		case r.Mirror == "":
		case r.Paused:
			v.State = "paused"
		default:
			v.State = "active"
		}
		if r.Mirror != "" || r.ReadOnly {
			if !r.LastSuccess.IsZero() {
				v.Stale = auth.FormatDuration(max(now.Sub(r.LastSuccess), 0).Round(time.Second))
			}
		}
		if at, ok := r.NextSync(); ok {
			v.NextSync = at
			if at.IsZero() {
				v.NextSync = now
			}
		}
		return v
	}
}

// apiSetMirror changes a mirror's upstream, credential, interval, pause or
// host keys.
func (h *Handler) apiSetMirror(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.Repo{}, err
	}
	in, err := body(r, api.SetMirror)
	if err != nil {
		return 0, api.Repo{}, err
	}
	ch := service.MirrorChanges{Upstream: in.URL, Credential: in.Credential, Paused: in.Paused, HostKeys: in.HostKey}
	if in.Every != nil {
		every, err := auth.ParseDuration(*in.Every, 0)
		if err != nil {
			return 0, api.Repo{}, err
		}
		ch.Every = &every
	}
	if in.HostKeyFromFirstFetch {
		ch.HostKeyTOFU = &in.HostKeyFromFirstFetch
	}
	repo, err := h.svc.SetMirror(r.Context(), who, name, ch)
	return 0, reposAt(h.now())(repo), err
}

// apiRemoveMirror turns a mirror into a read-only repository, or deletes it.
func (h *Handler) apiRemoveMirror(r *http.Request, who auth.Identity) (int, api.MirrorRemoved, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.MirrorRemoved{}, err
	}
	in, err := body(r, api.RemoveMirror)
	if err != nil {
		return 0, api.MirrorRemoved{}, err
	}
	var how service.MirrorRemoval
	var result string
	switch {
	case (in.ReadOnly || in.Archive) && in.Delete:
		return 0, api.MirrorRemoved{}, fmt.Errorf("%w: \"read_only\" or \"delete\", not both", auth.ErrInvalid)
	case in.ReadOnly || in.Archive:
		how, result = service.RemoveKeepReadOnly, "read-only"
	case in.Delete:
		how, result = service.RemoveDelete, "deleted"
	}
	var f service.MirrorFetcher
	if h.opts.Mirrors != nil {
		f = h.opts.Mirrors
	}
	if err := h.svc.RemoveMirror(r.Context(), who, name, how, f); err != nil {
		return 0, api.MirrorRemoved{}, err
	}
	return 0, api.MirrorRemoved{Name: name, Result: result}, nil
}

func viewCredential(c auth.Credential, usedBy []string) api.Credential {
	return api.Credential{Name: c.Name, Kind: string(c.Kind), Username: c.Username, PublicKey: c.PublicKey,
		Fingerprint: c.Fingerprint, Created: c.Created, CreatedBy: c.CreatedBy, UsedBy: usedBy}
}

func (h *Handler) apiListCredentials(r *http.Request, who auth.Identity) (int, []api.Credential, error) {
	cs, err := h.svc.ListCredentials(r.Context(), who)
	if err != nil {
		return 0, nil, err
	}
	rs, err := h.svc.ListRepos(r.Context(), who)
	if err != nil {
		return 0, nil, err
	}
	used := map[string][]string{}
	for _, repo := range rs {
		if repo.Credential != "" {
			used[repo.Credential] = append(used[repo.Credential], repo.Name)
		}
	}
	out := make([]api.Credential, 0, len(cs))
	for _, c := range cs {
		out = append(out, viewCredential(c, used[c.Name]))
	}
	return 0, out, nil
}

func (h *Handler) apiAddCredential(r *http.Request, who auth.Identity) (int, api.Credential, error) {
	in, err := body(r, api.AddCredential)
	if err != nil {
		return 0, api.Credential{}, err
	}
	c, err := h.svc.AddCredential(r.Context(), who, service.NewCredential{Name: in.Name, Kind: auth.CredentialKind(in.Kind),
		Username: in.Username, Secret: []byte(in.Secret), Generate: in.Generate})
	return http.StatusCreated, viewCredential(c, nil), err
}

func (h *Handler) apiRemoveCredential(r *http.Request, who auth.Identity) (int, api.CredentialRemoved, error) {
	name := r.PathValue("name")
	err := h.svc.RemoveCredential(r.Context(), who, name)
	return 0, api.CredentialRemoved{Removed: name}, err
}
