package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func (h *Handler) apiWhoami(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	return 0, map[string]any{"user": who.Name(), "groups": who.Groups, "admin": who.Admin, "approver": who.Approver, "method": who.Method}, nil
}

func (h *Handler) apiListUsers(r *http.Request, who auth.Identity) (int, any, error) {
	us, err := h.svc.ListUsers(r.Context(), who)
	if err != nil {
		return 0, nil, err
	}
	out := make([]userView, 0, len(us))
	for _, u := range us {
		out = append(out, viewUser(u))
	}
	return 0, out, nil
}

func (h *Handler) apiCreateUser(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Name     string   `json:"name"`
		Password string   `json:"password"`
		Groups   []string `json:"groups"`
		Admin    bool     `json:"admin"`
		Approver bool     `json:"approver"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := h.svc.CreateUser(r.Context(), who, service.NewUser{Name: in.Name, Password: in.Password, Groups: in.Groups, Admin: in.Admin, Approver: in.Approver})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, viewUser(u), nil
}

func (h *Handler) apiUpdateUser(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Disabled *bool     `json:"disabled"`
		Admin    *bool     `json:"admin"`
		Approver *bool     `json:"approver"`
		Groups   *[]string `json:"groups"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u, err := h.svc.UpdateUser(r.Context(), who, r.PathValue("name"), service.UserChange{Disabled: in.Disabled, Admin: in.Admin, Approver: in.Approver, Groups: in.Groups})
	if err != nil {
		return 0, nil, err
	}
	return 0, viewUser(u), nil
}

func (h *Handler) apiSetPassword(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Password string `json:"password"`
		Current  string `json:"current"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	var err error
	if !who.Anonymous() && who.User == name {
		err = h.svc.ChangePassword(r.Context(), who, in.Current, in.Password)
	} else {
		err = h.svc.SetPassword(r.Context(), who, name, in.Password)
	}
	if err != nil {
		return 0, nil, err
	}
	return 0, map[string]string{"user": name}, nil
}

func (h *Handler) apiListTokens(r *http.Request, who auth.Identity) (int, any, error) {
	ts, err := h.svc.ListTokens(r.Context(), who, r.PathValue("name"))
	if ts == nil {
		ts = []auth.Token{}
	}
	return 0, ts, err
}

func (h *Handler) apiCreateToken(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Name    string `json:"name"`
		Expires string `json:"expires"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	ttl, err := optDuration(in.Expires, service.MaxTokenLifetime)
	if err != nil {
		return 0, nil, err
	}
	secret, t, err := h.svc.CreateToken(r.Context(), who, r.PathValue("name"), in.Name, ttl)
	if err != nil {
		return 0, nil, err
	}
	t.Hash = ""
	return http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "user": t.User, "expires": t.Expires}, nil
}

func (h *Handler) apiRevokeToken(r *http.Request, who auth.Identity) (int, any, error) {
	err := h.svc.RevokeToken(r.Context(), who, r.PathValue("name"), r.PathValue("id"))
	return 0, map[string]string{"revoked": r.PathValue("id")}, err
}

func (h *Handler) apiListKeys(r *http.Request, who auth.Identity) (int, any, error) {
	ks, err := h.svc.ListKeys(r.Context(), who, r.PathValue("name"))
	if ks == nil {
		ks = []auth.Key{}
	}
	return 0, ks, err
}

func (h *Handler) apiAddKey(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Key string `json:"key"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	k, err := h.svc.AddKey(r.Context(), who, r.PathValue("name"), in.Key)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, k, nil
}

func (h *Handler) apiRemoveKey(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Fingerprint string `json:"fingerprint"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	err := h.svc.RemoveKey(r.Context(), who, r.PathValue("name"), in.Fingerprint)
	return 0, map[string]string{"removed": in.Fingerprint}, err
}

func (h *Handler) apiListRepos(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	rs, err := h.svc.ListRepos(r.Context(), who)
	if rs == nil {
		rs = []auth.Repo{}
	}
	return 0, rs, err
}

func (h *Handler) apiCreateRepo(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Mirror      string `json:"mirror"` // upstream URL: a read-only mirror
		Every       string `json:"every"`  // how often a mirror is fetched
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Mirror == "" {
		if in.Every != "" {
			return 0, nil, fmt.Errorf("%w: \"every\" needs \"mirror\"", auth.ErrInvalid)
		}
		repo, err := h.svc.CreateRepo(r.Context(), who, in.Name, in.Description)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, repo, nil
	}
	every, err := optDuration(in.Every, 0)
	if err != nil {
		return 0, nil, err
	}
	if h.opts.Mirrors == nil {
		return 0, nil, fmt.Errorf("%w: this server fetches no mirrors", auth.ErrInvalid)
	}
	repo, err := h.svc.CreateMirror(r.Context(), who, service.NewMirror{Name: in.Name, Description: in.Description, Upstream: in.Mirror, Every: every}, h.opts.Mirrors)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, repo, nil
}

// apiSyncRepo fetches a mirror from its upstream now.
func (h *Handler) apiSyncRepo(r *http.Request, who auth.Identity) (int, any, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	if h.opts.Mirrors == nil {
		return 0, nil, fmt.Errorf("%w: this server fetches no mirrors", auth.ErrInvalid)
	}
	repo, err := h.svc.SyncMirror(r.Context(), who, name, h.opts.Mirrors)
	if err != nil {
		return 0, nil, err
	}
	return 0, repo, nil
}

func (h *Handler) apiListGrants(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	gs, err := h.svc.ListGrants(r.Context(), who, service.GrantFilter{User: q.Get("user"), Repo: q.Get("repo"), All: parseBool(q.Get("all"))})
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	out := make([]grantView, 0, len(gs))
	for _, g := range gs {
		out = append(out, viewGrant(g, now))
	}
	return 0, out, nil
}

func (h *Handler) apiGetGrant(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	g, err := h.svc.Grant(r.Context(), who, r.PathValue("id"))
	return 0, viewGrant(g, h.now()), err
}

// grantInput is a grant as the API takes it.
type grantInput struct {
	User     string `json:"user"`
	Group    string `json:"group"`
	Repo     string `json:"repo"`
	Access   string `json:"access"`
	Duration string `json:"duration"`
	Reason   string `json:"reason"`
}

func (h *Handler) newGrant(in grantInput) (service.NewGrant, error) {
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
	return service.NewGrant{Subject: subject, Repo: in.Repo, Level: level, Duration: d, Reason: in.Reason}, nil
}

func (h *Handler) apiCreateGrant(r *http.Request, who auth.Identity) (int, any, error) {
	var in grantInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	ng, err := h.newGrant(in)
	if err != nil {
		return 0, nil, err
	}
	g, err := h.svc.AddGrant(r.Context(), who, ng)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, viewGrant(g, h.now()), nil
}

func (h *Handler) apiCreateGrants(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Grants []grantInput `json:"grants"`
	}
	if err := decode(r, &in); err != nil {
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
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	out := make([]grantView, len(gs))
	for i, g := range gs {
		out[i] = viewGrant(g, now)
	}
	return http.StatusCreated, out, nil
}

func (h *Handler) apiRevokeGrant(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
	}
	g, err := h.svc.RevokeGrant(r.Context(), who, r.PathValue("id"), in.Reason)
	return 0, viewGrant(g, h.now()), err
}

func (h *Handler) apiRelinquishGrant(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	g, err := h.svc.RelinquishGrant(r.Context(), who, r.PathValue("id"))
	return 0, viewGrant(g, h.now()), err
}

func (h *Handler) apiCheck(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	level, err := auth.ParseLevel(q.Get("access"))
	if err != nil {
		return 0, nil, err
	}
	user := q.Get("user")
	if user == "" {
		user = who.User
	}
	d, err := h.svc.Check(r.Context(), who, user, q.Get("repo"), level)
	if err != nil {
		return 0, nil, err
	}
	return 0, viewDecision(d, user, q.Get("repo")), nil
}

func (h *Handler) apiAudit(r *http.Request, who auth.Identity) (int, any, error) {
	q := r.URL.Query()
	f := service.EventFilter{User: q.Get("user"), Repo: q.Get("repo"), Action: q.Get("action")}
	if s := q.Get("since"); s != "" {
		t, err := parseSince(s, h.now())
		if err != nil {
			return 0, nil, err
		}
		f.Since = t
	}
	if s := q.Get("limit"); s != "" {
		n, err := parseLimit(s)
		if err != nil {
			return 0, nil, err
		}
		f.Limit = n
	}
	if s := q.Get("page"); s != "" {
		n, err := parseLimit(s)
		if err != nil {
			return 0, nil, err
		}
		f.Page = n
	}
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, nil, fmtInvalid("after %q: use the seq of the last event you have", s)
		}
		f.After = n
	}
	evs, err := h.svc.Events(r.Context(), who, f)
	if evs == nil {
		evs = []audit.Event{}
	}
	return 0, evs, err
}

func (h *Handler) apiVerifyAudit(r *http.Request, who auth.Identity) (int, any, error) {
	head, err := h.svc.VerifyAudit(r.Context(), who)
	return 0, head, err
}

// policyView is a standing policy as the API shows it: durations as "1h".
type policyView struct {
	ID          string     `json:"id"`
	Description string     `json:"description,omitempty"`
	Subjects    []string   `json:"subjects"`
	Repos       []string   `json:"repos"`
	Effect      string     `json:"effect"`
	Access      auth.Level `json:"access,omitempty"`
	Approve     bool       `json:"approve,omitempty"`
	AutoMax     string     `json:"auto_max,omitempty"`
	AutoAccess  auth.Level `json:"auto_access,omitempty"`
	Approvals   int        `json:"approvals,omitempty"`
	Source      string     `json:"source"`
}

func (h *Handler) apiPolicies(r *http.Request, who auth.Identity) (int, any, error) {
	if !who.Admin && !who.Approver {
		return 0, nil, fmt.Errorf("%w: listing policies needs an administrator or approver", auth.ErrForbidden)
	}
	ps, err := h.svc.Policies(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := make([]policyView, 0, len(ps))
	for _, p := range ps {
		v := policyView{ID: p.ID, Description: p.Description, Subjects: p.Subjects, Repos: p.Repos, Effect: string(p.Effect),
			Access: p.Level, Approve: p.Approve, AutoAccess: p.AutoLevel, Approvals: p.Approvals, Source: p.Source}
		if p.AutoMax > 0 {
			v.AutoMax = auth.FormatDuration(p.AutoMax)
		}
		out = append(out, v)
	}
	return 0, out, nil
}
