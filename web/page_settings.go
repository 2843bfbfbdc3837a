package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// settingsData is the user's own tokens and SSH keys.
type settingsData struct {
	Tokens    []tokenRow
	Keys      []auth.Key
	NewToken  string // the secret of a token just made, shown once
	TokenName string
	Expiry    string
	KeyText   string
	Expiries  []durationChoice
	// Passwords says whether the password form is offered.
	Passwords bool
}

// tokenRow is a token with its state now.
type tokenRow struct {
	auth.Token
	State string // active, expired, revoked
}

// tokenExpiries are the lifetimes offered for a new token, those up to
// the configured maximum; "never" only where the configuration allows it.
var tokenExpiries = []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour, service.MaxTokenLifetime}

func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request, v *visit, status int, d settingsData, msg string) error {
	ctx := r.Context()
	ts, err := h.svc.ListTokens(ctx, v.who, v.who.User)
	if err != nil {
		return err
	}
	now := h.pg.now()
	for i := len(ts) - 1; i >= 0; i-- {
		t := ts[i]
		row := tokenRow{Token: t, State: "active"}
		switch {
		case t.Revoked:
			row.State = "revoked"
		case !t.Expires.IsZero() && !now.Before(t.Expires):
			row.State = "expired"
		}
		d.Tokens = append(d.Tokens, row)
	}
	if d.Keys, err = h.svc.ListKeys(ctx, v.who, v.who.User); err != nil {
		return err
	}
	cfg := h.svc.Config()
	if d.Expiry == "" {
		d.Expiry = auth.FormatDuration(cfg.TokenDefault)
	}
	choices := []time.Duration{}
	for _, e := range tokenExpiries {
		if e < cfg.TokenMax && e != cfg.TokenDefault {
			choices = append(choices, e)
		}
	}
	choices = append(choices, cfg.TokenDefault)
	if cfg.TokenMax != cfg.TokenDefault {
		choices = append(choices, cfg.TokenMax)
	}
	slices.Sort(choices)
	for _, e := range choices {
		val := auth.FormatDuration(e)
		d.Expiries = append(d.Expiries, durationChoice{Value: val, Label: durationLabel(e), Selected: val == d.Expiry})
	}
	if cfg.TokenNever {
		d.Expiries = append(d.Expiries, durationChoice{Value: "never", Label: "never", Selected: d.Expiry == "never"})
	}
	d.Passwords = !cfg.NoPasswords
	vw := v.view("Settings", "settings", d)
	vw.Notice, vw.Error = notice(w, r), msg
	h.render(w, status, "settings", vw)
	return nil
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.showSettings(w, r, v, http.StatusOK, settingsData{}, "")
}

// formFailed shows the settings again with the message of a user error;
// other errors go to the error page.
func (h *Handler) settingsFailed(w http.ResponseWriter, r *http.Request, v *visit, d settingsData, err error) error {
	status := pageStatus(err)
	if status == http.StatusInternalServerError {
		return err
	}
	return h.showSettings(w, r, v, status, d, friendly(err))
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	d := settingsData{TokenName: r.PostForm.Get("name"), Expiry: r.PostForm.Get("expires")}
	ttl := service.NoExpiry
	if d.Expiry != "never" {
		var err error
		if ttl, err = auth.ParseDuration(d.Expiry, h.svc.Config().TokenMax); err != nil {
			return h.settingsFailed(w, r, v, d, err)
		}
	}
	if strings.TrimSpace(d.TokenName) == "" {
		return h.settingsFailed(w, r, v, d, fmt.Errorf("%w: give the token a name, like the machine or job that uses it", auth.ErrInvalid))
	}
	secret, _, err := h.svc.CreateToken(r.Context(), v.who, v.who.User, d.TokenName, ttl)
	if err != nil {
		return h.settingsFailed(w, r, v, d, err)
	}
	return h.showSettings(w, r, v, http.StatusCreated, settingsData{NewToken: secret}, "")
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.svc.RevokeToken(r.Context(), v.who, v.who.User, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, r, "/settings", "token")
	return nil
}

func (h *Handler) addKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	d := settingsData{KeyText: r.PostForm.Get("key")}
	if _, err := h.svc.AddKey(r.Context(), v.who, v.who.User, strings.TrimSpace(d.KeyText)); err != nil {
		return h.settingsFailed(w, r, v, d, err)
	}
	seeOther(w, r, "/settings", "key")
	return nil
}

func (h *Handler) removeKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.svc.RemoveKey(r.Context(), v.who, v.who.User, r.PostForm.Get("fingerprint")); err != nil {
		return err
	}
	seeOther(w, r, "/settings", "keyremoved")
	return nil
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	if f.Get("password") != f.Get("confirm") {
		return h.settingsFailed(w, r, v, settingsData{}, fmt.Errorf("%w: the new password and its confirmation differ", auth.ErrInvalid))
	}
	if err := h.svc.ChangePassword(r.Context(), v.who, f.Get("current"), f.Get("password")); err != nil {
		return h.settingsFailed(w, r, v, settingsData{}, err)
	}
	seeOther(w, r, "/signin", "password")
	return nil
}
