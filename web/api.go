package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/service"
)

// maxAPIBody bounds every JSON request body.
const maxAPIBody = 1 << 20

// apiAuthFailures is how many failed authentications one client address
// may make in five minutes before the API refuses it for a while, as the
// Git transport does.
const apiAuthFailures = 30

// errTooManyFailures refuses a client address that failed to authenticate
// too often.
var errTooManyFailures = errors.New("too many failed sign-ins from your address; try again later")

// errStoreUnavailable answers an API request the server cannot
// authenticate because its store does not answer: 503, Retry-After.
var errStoreUnavailable = fmt.Errorf("%w: the server cannot reach its store; try again shortly", auth.ErrUnavailable)

// identifyFunc says who sent an API request.
type identifyFunc func(*http.Request) (auth.Identity, error)

// apiFunc handles one API call for an identified caller and returns the
// value to encode, or an error mapped to a status by apiStatus.
type apiFunc func(r *http.Request, who auth.Identity) (status int, v any, err error)

func (h *Handler) routeAPI(mux *http.ServeMux, identify identifyFunc) {
	r := apiRouter{h: h, mux: mux, identify: identify}
	route(r, api.Whoami, h.apiWhoami)
	route(r, api.ListUsers, h.apiListUsers)
	route(r, api.CreateUser, h.apiCreateUser)
	route(r, api.UpdateUser, h.apiUpdateUser)
	route(r, api.SetPassword, h.apiSetPassword)
	route(r, api.ListTokens, h.apiListTokens)
	route(r, api.CreateToken, h.apiCreateToken)
	route(r, api.RevokeToken, h.apiRevokeToken)
	route(r, api.ExchangeToken, h.apiExchangeToken)
	route(r, api.ListKeys, h.apiListKeys)
	route(r, api.AddKey, h.apiAddKey)
	route(r, api.RemoveKey, h.apiRemoveKey)
	route(r, api.ListRepos, h.apiListRepos)
	route(r, api.CreateRepo, h.apiCreateRepo)
	route(r, api.SyncRepo, h.apiSyncRepo)
	route(r, api.SetMirror, h.apiSetMirror)
	route(r, api.RemoveMirror, h.apiRemoveMirror)
	route(r, api.ListCredentials, h.apiListCredentials)
	route(r, api.AddCredential, h.apiAddCredential)
	route(r, api.RemoveCredential, h.apiRemoveCredential)
	route(r, api.PurgeRepo, h.apiPurgeRepo)
	// Streamed: the handler answers a jsonArrayStream of api.Grant, the
	// elements of the endpoint's Out, not the slice route would demand.
	mux.Handle(api.ListGrants.Pattern(), h.api(identify, h.apiListGrants))
	route(r, api.ListGrantPage, h.apiListGrantPage)
	route(r, api.CreateGrant, h.apiCreateGrant)
	route(r, api.CreateGrants, h.apiCreateGrants)
	route(r, api.GetGrant, h.apiGetGrant)
	route(r, api.RevokeGrant, h.apiRevokeGrant)
	route(r, api.RelinquishGrant, h.apiRelinquishGrant)
	route(r, api.RevokeGrants, h.apiRevokeGrants)
	route(r, api.ListBatches, h.apiListBatches)
	route(r, api.ListGroups, h.apiListGroups)
	route(r, api.ImportRepos, h.apiImportRepos)
	route(r, api.UnregisteredRepos, h.apiUnregisteredRepos)
	route(r, api.DescribeRepo, h.apiDescribeRepo)
	route(r, api.RenameRepo, h.apiRenameRepo)
	route(r, api.RemoveRepo, h.apiRemoveRepo)
	route(r, api.ArchiveRepo, h.apiArchiveRepo)
	route(r, api.UnarchiveRepo, h.apiUnarchiveRepo)
	route(r, api.AddMembers, h.apiMembers(true))
	route(r, api.RemoveMembers, h.apiMembers(false))
	mux.Handle("POST "+api.BulkGrantsPath, h.apiBulkGrants(identify))
	mux.Handle("POST "+api.ImportUsersPath, h.apiImportUsers(identify))
	route(r, api.CheckAccess, h.apiCheck)
	route(r, api.ListPolicies, h.apiPolicies)
	route(r, api.ListProtections, h.apiProtections)
	route(r, api.AddProtection, h.apiAddProtection)
	route(r, api.RemoveProtection, h.apiRemoveProtection)
	route(r, api.ListEvents, h.apiAudit)
	route(r, api.VerifyAudit, h.apiVerifyAudit)
	route(r, api.GetClusterStatus, h.apiClusterStatus)
	route(r, api.AccessReport, h.apiAccessReport)
	route(r, api.ReloadConfig, h.apiReloadConfig)
	// Streamed, as ListGrants.
	mux.Handle(api.ListRequests.Pattern(), h.api(identify, h.apiListRequests))
	route(r, api.ListRequestPage, h.apiListRequestPage)
	route(r, api.CreateRequest, h.apiCreateRequest)
	route(r, api.GetRequest, h.apiGetRequest)
	route(r, api.ApproveRequest, h.apiApprove)
	route(r, api.DenyRequest, h.apiDeny)
	route(r, api.CancelRequest, h.apiCancel)
	route(r, api.ListDeliveries, h.apiDeliveries)
	route(r, api.Redeliver, h.apiRedeliver)
	mux.Handle("GET /api/v1/backup", h.apiBackup(identify))
	mux.Handle("GET /api/v1/audit/export", h.apiAuditExport(identify))
	mux.Handle("/api/", h.api(identify, func(*http.Request, auth.Identity) (int, any, error) {
		return 0, nil, fmt.Errorf("%w: no such API endpoint; see /api/v1", auth.ErrNotFound)
	}))
}

// apiRouter is where route registers the API's handlers.
type apiRouter struct {
	h        *Handler
	mux      *http.ServeMux
	identify identifyFunc
}

// route registers f as the handler of ep. f must answer with ep's Out,
// the type the CLI decodes, so a handler that drifts from the contract
// does not compile.
func route[In, Out any](r apiRouter, ep api.Endpoint[In, Out], f func(*http.Request, auth.Identity) (int, Out, error)) {
	r.mux.Handle(ep.Pattern(), r.h.api(r.identify, func(req *http.Request, who auth.Identity) (int, any, error) {
		return f(req, who)
	}))
}

// body decodes the request body as ep's In. Handlers call it where their
// checks allow (after refusing anonymous callers, say), and naming the
// endpoint ties the body's type to the contract.
func body[In, Out any](r *http.Request, ep api.Endpoint[In, Out]) (In, error) {
	var in In
	if ep.OptionalBody && r.ContentLength == 0 {
		return in, nil
	}
	return in, decode(r, &in)
}

func (h *Handler) api(identify identifyFunc, f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		start := time.Now()
		who, err := identify(r)
		if errors.Is(err, errTooManyFailures) {
			w.Header().Set("Retry-After", strconv.Itoa(int(h.apiThrottle.Wait("addr:"+remoteHost(r)).Seconds())+1))
		}
		if errors.Is(err, auth.ErrUnavailable) {
			w.Header().Set("Retry-After", "5")
		}
		status, v := 0, any(nil)
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
			status, v, err = f(r, who)
		}
		if err != nil {
			status = apiStatus(err)
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="jitgit"`)
			}
			msg := err.Error()
			if status == http.StatusInternalServerError {
				// The details are for the server's log, not the caller.
				h.log.Error("api", "path", r.URL.Path, "err", err)
				msg = "internal error; the server log has the details"
			}
			v = api.Error{Error: msg}
		}
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		if st, ok := v.(jsonArrayStream); ok {
			if err := st.writeTo(w); err != nil {
				if r.Context().Err() == nil {
					h.log.Error("api", "path", r.URL.Path, "err", err)
				}
				panic(http.ErrAbortHandler) // a cut answer, never a whole-looking one
			}
		} else {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(v)
		}
		// One line per request; the path only (a query may carry a
		// search the caller considers private), never a body.
		h.log.Info("api", "user", who.Name(), "method", r.Method, "path", r.URL.Path, "status", status,
			"duration", time.Since(start))
	})
}

// apiStatus maps a domain error to an HTTP status.
func apiStatus(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errTooManyFailures), errors.Is(err, secret.ErrBusy):
		return http.StatusTooManyRequests
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, auth.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, auth.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, auth.ErrExists), errors.Is(err, auth.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, auth.ErrUpstream):
		return http.StatusBadGateway
	case errors.Is(err, auth.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// remoteIdentity authenticates an API request from the network: a bearer
// token, or Basic with a user name and a token or password. No credentials
// is anonymous; bad credentials are an error, never anonymous.
func (h *Handler) remoteIdentity(r *http.Request) (auth.Identity, error) {
	var who auth.Identity
	var err error
	authz := r.Header.Get("Authorization")
	addr := "addr:" + remoteHost(r)
	if authz != "" && h.apiThrottle.Wait(addr) > 0 {
		if ratelimit.Unreachable(h.apiThrottle) {
			return who, errStoreUnavailable
		}
		return who, errTooManyFailures
	}
	refuse := func(user, reason string) {
		h.apiThrottle.Fail(addr)
		rerr := h.svc.RecordRefusal(r.Context(), service.Refusal{Action: "auth.api", Transport: "api", Remote: r.RemoteAddr,
			User: user, What: r.Method + " " + r.URL.Path, Reason: reason})
		if rerr != nil {
			h.log.Warn("api: refusal not audited", "remote", r.RemoteAddr, "err", rerr)
		}
	}
	var user string
	switch {
	case authz == "":
	case strings.HasPrefix(authz, "Bearer "):
		who, err = h.svc.AuthenticateToken(r.Context(), strings.TrimPrefix(authz, "Bearer "))
	default:
		var pass string
		var ok bool
		user, pass, ok = r.BasicAuth()
		if !ok {
			refuse("", "malformed credentials")
			return who, fmt.Errorf("%w: use Authorization: Bearer jg_… or Basic", auth.ErrUnauthenticated)
		}
		who, err = h.svc.Authenticate(r.Context(), user, pass)
	}
	if errors.Is(err, secret.ErrBusy) {
		return who, err
	}
	if errors.Is(err, auth.ErrUnavailable) {
		// Not the caller's fault, and not a failed sign-in.
		return who, errStoreUnavailable
	}
	if err != nil {
		refuse(user, "wrong, expired or revoked token or password")
		return who, fmt.Errorf("%w: the token or password was not accepted", auth.ErrUnauthenticated)
	}
	who.Remote, who.Transport = r.RemoteAddr, "api"
	return who, nil
}

// decode reads a JSON body strictly into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: the request needs a JSON body", auth.ErrInvalid)
		}
		return fmt.Errorf("%w: JSON body: %v", auth.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: JSON body: one object only", auth.ErrInvalid)
	}
	return nil
}

// needUser refuses anonymous callers.
func needUser(who auth.Identity) error {
	if who.Anonymous() && !who.IsLocalAdmin() {
		return fmt.Errorf("%w: send a token: Authorization: Bearer jg_…", auth.ErrUnauthenticated)
	}
	return nil
}

// optDuration parses an optional duration field; "" is zero.
func optDuration(s string, max time.Duration) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return auth.ParseDuration(s, max)
}

func parseBool(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}

// apiBackup streams a database backup to an administrator. It is not JSON,
// so it has its own handler; errors before the first byte are JSON.
func (h *Handler) apiBackup(identify identifyFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := adminOf(identify, r, "a backup")
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(apiStatus(err))
			_ = json.NewEncoder(w).Encode(api.Error{Error: err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="jitgit.backup"`)
		w.Header().Set("Cache-Control", "no-store")
		if err := h.svc.Backup(r.Context(), who, w); err != nil {
			// The status is sent; cutting the stream tells the client.
			h.log.Error("backup", "err", err)
			panic(http.ErrAbortHandler)
		}
	})
}

// fmtInvalid is an ErrInvalid error with a message for the caller.
func fmtInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{auth.ErrInvalid}, args...)...)
}

// adminOf identifies the caller of an endpoint that only administrators
// may use; what names the endpoint in the refusal.
func adminOf(identify identifyFunc, r *http.Request, what string) (auth.Identity, error) {
	who, err := identify(r)
	if err == nil && !who.Admin {
		err = fmt.Errorf("%w: %s needs an administrator", auth.ErrForbidden, what)
	}
	return who, err
}
