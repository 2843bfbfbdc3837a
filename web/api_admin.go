package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func (h *Handler) apiWhoami(r *http.Request, who auth.Identity) (int, api.Identity, error) {
	if err := needUser(who); err != nil {
		return 0, api.Identity{}, err
	}
	return 0, viewIdentity(who), nil
}

func (h *Handler) apiListUsers(r *http.Request, who auth.Identity) (int, []api.User, error) {
	us, err := h.svc.ListUsers(r.Context(), who)
	return 0, each(us, viewUser), err
}

func (h *Handler) apiCreateUser(r *http.Request, who auth.Identity) (int, api.User, error) {
	in, err := body(r, api.CreateUser)
	if err != nil {
		return 0, api.User{}, err
	}
	u, err := h.svc.CreateUser(r.Context(), who, service.NewUser{Name: in.Name, Password: in.Password, Groups: in.Groups, Admin: in.Admin, Approver: in.Approver, Auditor: in.Auditor})
	return http.StatusCreated, viewUser(u), err
}

func (h *Handler) apiUpdateUser(r *http.Request, who auth.Identity) (int, api.User, error) {
	in, err := body(r, api.UpdateUser)
	if err != nil {
		return 0, api.User{}, err
	}
	u, err := h.svc.UpdateUser(r.Context(), who, r.PathValue("name"), service.UserChange{Disabled: in.Disabled, Admin: in.Admin, Approver: in.Approver, Groups: in.Groups, Auditor: in.Auditor})
	return 0, viewUser(u), err
}

func (h *Handler) apiSetPassword(r *http.Request, who auth.Identity) (int, api.PasswordSet, error) {
	in, err := body(r, api.SetPassword)
	if err != nil {
		return 0, api.PasswordSet{}, err
	}
	name := r.PathValue("name")
	if !who.Anonymous() && who.User == name {
		err = h.svc.ChangePassword(r.Context(), who, in.Current, in.Password)
	} else {
		err = h.svc.SetPassword(r.Context(), who, name, in.Password)
	}
	return 0, api.PasswordSet{User: name}, err
}

func (h *Handler) apiListTokens(r *http.Request, who auth.Identity) (int, []api.Token, error) {
	ts, err := h.svc.ListTokens(r.Context(), who, r.PathValue("name"))
	return 0, each(ts, viewToken), err
}

func (h *Handler) apiCreateToken(r *http.Request, who auth.Identity) (int, api.CreatedToken, error) {
	in, err := body(r, api.CreateToken)
	if err != nil {
		return 0, api.CreatedToken{}, err
	}
	ttl := service.NoExpiry
	if in.Expires != "never" {
		if ttl, err = optDuration(in.Expires, h.svc.Config().TokenMax); err != nil {
			return 0, api.CreatedToken{}, err
		}
	}
	secret, t, err := h.svc.CreateToken(r.Context(), who, r.PathValue("name"), in.Name, ttl)
	if err != nil {
		return 0, api.CreatedToken{}, err
	}
	return http.StatusCreated, api.CreatedToken{Token: secret, ID: t.ID, User: t.User, Expires: t.Expires}, nil
}

func (h *Handler) apiRevokeToken(r *http.Request, who auth.Identity) (int, api.TokenRevoked, error) {
	err := h.svc.RevokeToken(r.Context(), who, r.PathValue("name"), r.PathValue("id"))
	return 0, api.TokenRevoked{Revoked: r.PathValue("id")}, err
}

func (h *Handler) apiListKeys(r *http.Request, who auth.Identity) (int, []api.Key, error) {
	ks, err := h.svc.ListKeys(r.Context(), who, r.PathValue("name"))
	return 0, each(ks, viewKey), err
}

func (h *Handler) apiAddKey(r *http.Request, who auth.Identity) (int, api.Key, error) {
	in, err := body(r, api.AddKey)
	if err != nil {
		return 0, api.Key{}, err
	}
	k, err := h.svc.AddKey(r.Context(), who, r.PathValue("name"), in.Key)
	return http.StatusCreated, viewKey(k), err
}

func (h *Handler) apiRemoveKey(r *http.Request, who auth.Identity) (int, api.KeyRemoved, error) {
	in, err := body(r, api.RemoveKey)
	if err != nil {
		return 0, api.KeyRemoved{}, err
	}
	err = h.svc.RemoveKey(r.Context(), who, r.PathValue("name"), in.Fingerprint)
	return 0, api.KeyRemoved{Removed: in.Fingerprint}, err
}

func (h *Handler) apiListRepos(r *http.Request, who auth.Identity) (int, []api.Repo, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	rs, err := h.svc.ListRepos(r.Context(), who)
	return 0, each(rs, reposAt(h.now())), err
}

func (h *Handler) apiCreateRepo(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	in, err := body(r, api.CreateRepo)
	if err != nil {
		return 0, api.Repo{}, err
	}
	if in.Mirror == "" {
		if in.Every != "" {
			return 0, api.Repo{}, fmt.Errorf("%w: \"every\" needs \"mirror\"", auth.ErrInvalid)
		}
		repo, err := h.svc.CreateRepo(r.Context(), who, in.Name, in.Description)
		return http.StatusCreated, viewRepo(repo), err
	}
	every, err := optDuration(in.Every, 0)
	if err != nil {
		return 0, api.Repo{}, err
	}
	if h.opts.Mirrors == nil {
		return 0, api.Repo{}, fmt.Errorf("%w: this server fetches no mirrors", auth.ErrInvalid)
	}
	repo, err := h.svc.CreateMirror(r.Context(), who, service.NewMirror{Name: in.Name, Description: in.Description, Upstream: in.Mirror, Every: every,
		Credential: in.Credential, HostKeys: in.HostKey, HostKeyTOFU: in.HostKeyFromFirstFetch}, h.opts.Mirrors)
	return http.StatusCreated, reposAt(h.now())(repo), err
}

// apiSyncRepo fetches a mirror from its upstream now.
func (h *Handler) apiSyncRepo(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.Repo{}, err
	}
	if h.opts.Mirrors == nil {
		return 0, api.Repo{}, fmt.Errorf("%w: this server fetches no mirrors", auth.ErrInvalid)
	}
	repo, err := h.svc.SyncMirror(r.Context(), who, name, h.opts.Mirrors)
	return 0, reposAt(h.now())(repo), err
}

func (h *Handler) apiGetGrant(r *http.Request, who auth.Identity) (int, api.Grant, error) {
	if err := needUser(who); err != nil {
		return 0, api.Grant{}, err
	}
	g, err := h.svc.Grant(r.Context(), who, r.PathValue("id"))
	return 0, viewGrant(g, h.now()), err
}

func (h *Handler) newGrant(in api.NewGrant) (service.NewGrant, error) {
	subject, err := subjectOf(in.User, in.Group)
	if err != nil {
		return service.NewGrant{}, err
	}
	level, err := auth.ParseLevel(in.Access)
	if err != nil {
		return service.NewGrant{}, err
	}
	d, err := auth.ParseDuration(in.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return service.NewGrant{}, err
	}
	allow, err := auth.ParseChanges(in.Allow)
	if err != nil {
		return service.NewGrant{}, err
	}
	return service.NewGrant{Subject: subject, Repo: in.Repo, Level: level, Ref: in.Ref, Allow: allow, Duration: d, Reason: in.Reason, BreakGlass: in.BreakGlass}, nil
}

func (h *Handler) apiCreateGrant(r *http.Request, who auth.Identity) (int, api.Grant, error) {
	in, err := body(r, api.CreateGrant)
	if err != nil {
		return 0, api.Grant{}, err
	}
	ng, err := h.newGrant(in)
	if err != nil {
		return 0, api.Grant{}, err
	}
	g, err := h.svc.AddGrant(r.Context(), who, ng)
	return http.StatusCreated, viewGrant(g, h.now()), err
}

func (h *Handler) apiCreateGrants(r *http.Request, who auth.Identity) (int, []api.Grant, error) {
	in, err := body(r, api.CreateGrants)
	if err != nil {
		return 0, nil, err
	}
	ngs := make([]service.NewGrant, len(in.Grants))
	for i, g := range in.Grants {
		ng, err := h.newGrant(g)
		if err != nil {
			return 0, nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		ngs[i] = ng
	}
	gs, err := h.svc.AddGrants(r.Context(), who, ngs)
	return http.StatusCreated, each(gs, grantsAt(h.now())), err
}

func (h *Handler) apiRevokeGrant(r *http.Request, who auth.Identity) (int, api.Grant, error) {
	in, err := body(r, api.RevokeGrant)
	if err != nil {
		return 0, api.Grant{}, err
	}
	g, err := h.svc.RevokeGrant(r.Context(), who, r.PathValue("id"), in.Reason)
	return 0, viewGrant(g, h.now()), err
}

func (h *Handler) apiRelinquishGrant(r *http.Request, who auth.Identity) (int, api.Grant, error) {
	if err := needUser(who); err != nil {
		return 0, api.Grant{}, err
	}
	g, err := h.svc.RelinquishGrant(r.Context(), who, r.PathValue("id"))
	return 0, viewGrant(g, h.now()), err
}

func (h *Handler) apiCheck(r *http.Request, who auth.Identity) (int, api.Decision, error) {
	if err := needUser(who); err != nil {
		return 0, api.Decision{}, err
	}
	q := r.URL.Query()
	level, err := auth.ParseLevel(q.Get("access"))
	if err != nil {
		return 0, api.Decision{}, err
	}
	action := auth.Action{Level: level}
	if ref := q.Get("ref"); ref != "" {
		kind := auth.ChangeUpdate
		if c := q.Get("change"); c != "" {
			if kind, err = auth.ParseChanges(c); err != nil {
				return 0, api.Decision{}, err
			}
		}
		action.Ref = auth.RefUpdate{Name: ref, Kind: kind}
	} else if q.Get("change") != "" {
		return 0, api.Decision{}, fmtInvalid("change %q needs a ref: name the ref it is for", q.Get("change"))
	}
	user := q.Get("user")
	if user == "" {
		user = who.User
	}
	d, err := h.svc.Check(r.Context(), who, user, q.Get("repo"), action)
	return 0, viewDecision(d, user, q.Get("repo"), action.Ref), err
}

func (h *Handler) apiAudit(r *http.Request, who auth.Identity) (int, api.EventPage, error) {
	q := r.URL.Query()
	f, err := h.eventFilter(q)
	if err != nil {
		return 0, api.EventPage{}, err
	}
	if s := q.Get("limit"); s != "" {
		n, err := parseLimit(s)
		if err != nil {
			return 0, api.EventPage{}, err
		}
		f.Limit = n
	}
	if s := q.Get("page"); s != "" {
		n, err := parseLimit(s)
		if err != nil {
			return 0, api.EventPage{}, err
		}
		f.Page = n
	}
	if f.Limit == 0 && f.Page == 0 {
		f.Page = defaultEventPage // never the whole trail in one answer
	}
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, api.EventPage{}, fmtInvalid("after %q: use the seq of the last event you have, or the page's next", s)
		}
		f.After = n
	}
	evs, err := h.svc.Events(r.Context(), who, f)
	page := api.EventPage{Events: each(evs, viewEvent)}
	if page.Events == nil {
		page.Events = []api.Event{}
	}
	if f.Page > 0 && len(evs) == f.Page {
		page.Next = strconv.FormatUint(evs[len(evs)-1].Seq, 10)
	}
	return 0, page, err
}

func (h *Handler) apiVerifyAudit(r *http.Request, who auth.Identity) (int, api.AuditHead, error) {
	head, err := h.svc.VerifyAudit(r.Context(), who)
	return 0, viewAuditHead(head), err
}

func (h *Handler) apiPolicies(r *http.Request, who auth.Identity) (int, []api.Policy, error) {
	if !who.Admin && !who.Approver {
		return 0, nil, fmt.Errorf("%w: listing policies needs an administrator or approver", auth.ErrForbidden)
	}
	ps, err := h.svc.Policies(r.Context())
	return 0, each(ps, viewPolicy), err
}
