package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// NewRequest is what a user asks for. Duration 0 takes the default.
type NewRequest struct {
	Repo     string
	Level    auth.Level
	Ref      string       // optional ref pattern the grant will name
	Allow    auth.Changes // force, delete on Ref
	Duration time.Duration
	Reason   string
	Ticket   string
	Extends  string // id of the requester's running grant to extend
}

// CreateRequest files a request for the actor. A request matching an
// auto-approval policy is approved at once and its grant made. A request
// may name a repository that does not exist: refusing it would tell who may
// not read it that it is missing.
func (s *Service) CreateRequest(ctx context.Context, actor auth.Identity, nr NewRequest) (auth.Request, error) {
	if actor.Anonymous() {
		return auth.Request{}, fmt.Errorf("%w: sign in to ask for access", auth.ErrUnauthenticated)
	}
	if err := refuseAuditor(actor, "asking for access"); err != nil {
		return auth.Request{}, err
	}
	repo, err := auth.CanonicalRepo(nr.Repo)
	if err != nil {
		return auth.Request{}, err
	}
	if nr.Level != auth.LevelRead && nr.Level != auth.LevelWrite {
		return auth.Request{}, fmt.Errorf("%w: ask for read or write access", auth.ErrInvalid)
	}
	ref, err := checkRefScope(nr.Level, nr.Ref, nr.Allow)
	if err != nil {
		return auth.Request{}, err
	}
	if nr.Duration == 0 {
		nr.Duration = s.cfg.Load().DefaultRequest
	}
	if nr.Duration < 0 || nr.Duration > s.cfg.Load().MaxGrant {
		return auth.Request{}, fmt.Errorf("%w: duration must be longer than zero and at most %s", auth.ErrInvalid, auth.FormatDuration(s.cfg.Load().MaxGrant))
	}
	reason, err := cleanText("reason", nr.Reason, true, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Request{}, err
	}
	ticket, err := cleanText("ticket", nr.Ticket, false, 100)
	if err != nil {
		return auth.Request{}, err
	}
	if strings.ContainsAny(ticket, "\n\t") {
		return auth.Request{}, fmt.Errorf("%w: ticket is one line", auth.ErrInvalid)
	}
	rules, err := s.store.PoliciesFor(ctx, actor.Principals())
	if err != nil {
		return auth.Request{}, err
	}
	now := s.now().UTC()
	action := "request.create"
	if nr.Extends != "" {
		action = "request.extend"
	}
	var r auth.Request
	// The checks and the write are one transaction: of identical requests
	// submitted at once, one is filed and the others see it pending; and
	// the approvals it needs are those of the policies as they are when it
	// is filed.
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := refuseArchived(tx, repo); err != nil {
			return err
		}
		all, err := tx.Policies().List()
		if err != nil {
			return err
		}
		r = auth.Request{
			ID: secret.NewID("r_"), Requester: actor.User, Repo: repo, Level: nr.Level, Ref: ref, Allow: nr.Allow, Duration: nr.Duration,
			Reason: reason, Ticket: ticket, Status: auth.StatusPending, Created: now, Expires: now.Add(s.cfg.Load().PendingLifetime),
			Needed: s.approvalsNeeded(all, repo), Extends: nr.Extends,
		}
		if nr.Extends != "" {
			g, err := s.checkExtends(tx, actor, nr, repo)
			if err != nil {
				return err
			}
			// An extension keeps the grant's refs; the request shows
			// them to the approver.
			r.Ref, r.Allow = g.Ref, g.Allow
		}
		if err := s.checkPending(tx, r); err != nil {
			return err
		}
		if err := tx.Requests().Create(r); err != nil {
			return fmt.Errorf("request: %w", err)
		}
		return ev.add(audit.Event{Action: action, Repo: repo, Request: r.ID, Grant: r.Extends,
			Detail: fmt.Sprintf("%s%s for %s: %s", r.Level, refScope(r.Ref, r.Allow), auth.FormatDuration(r.Duration), reason)})
	})
	if err != nil {
		return auth.Request{}, err
	}
	// A repository that needs more than one approver is never approved by
	// a rule alone: the stricter policy wins.
	if rule := autoRule(rules, actor.Principals(), r); rule != nil && r.Needed <= 1 {
		return s.approve(ctx, auth.AutoApprover(actor.Transport), r.ID, 0, "auto-approved by policy "+rule.ID, rule.ID)
	}
	return r, nil
}

// checkExtends returns the grant an extension is for, and refuses one
// that is not the actor's, has ended, or is for other access than asked
// (an extension that names no refs takes the grant's).
func (s *Service) checkExtends(tx storage.Tx, actor auth.Identity, nr NewRequest, repo string) (auth.Grant, error) {
	g, err := tx.Grants().Get(nr.Extends)
	if errors.Is(err, auth.ErrNotFound) || (err == nil && g.Subject != auth.UserPrincipal(actor.User)) {
		return auth.Grant{}, fmt.Errorf("%w: grant %s is not one of yours", auth.ErrInvalid, nr.Extends)
	}
	if err != nil {
		return auth.Grant{}, err
	}
	if !g.End().After(s.now()) {
		return auth.Grant{}, fmt.Errorf("%w: grant %s has ended; ask for new access instead", auth.ErrInvalid, nr.Extends)
	}
	if g.Repo != repo || g.Level != nr.Level {
		return auth.Grant{}, fmt.Errorf("%w: an extension asks for the same repository and access as grant %s (%s on %s)", auth.ErrInvalid, g.ID, g.Level, g.Repo)
	}
	if (nr.Ref != "" || nr.Allow != 0) && (nr.Ref != g.Ref || nr.Allow != g.Allow) {
		scope := strings.TrimSpace(refScope(g.Ref, g.Allow))
		if scope == "" {
			scope = "every ref no rule protects"
		}
		return auth.Grant{}, fmt.Errorf("%w: an extension keeps the refs of grant %s (%s); ask for new access for other refs", auth.ErrInvalid, g.ID, scope)
	}
	return g, nil
}

// maxPendingPerUser bounds one user's open requests, so nobody can flood
// the approvers' queue.
const maxPendingPerUser = 10

// checkPending refuses a second pending request for the same thing (the
// same repository, access, ref pattern and allowance), which would only
// split the approvers' attention, and more than maxPendingPerUser open
// requests.
func (s *Service) checkPending(tx storage.Tx, want auth.Request) error {
	all, err := tx.Requests().ListBy(want.Requester)
	if err != nil {
		return err
	}
	now := s.now()
	n := 0
	for _, r := range all {
		if r.Requester != want.Requester || r.Status != auth.StatusPending || !now.Before(r.Expires) {
			continue
		}
		if r.Repo == want.Repo && r.Level == want.Level && r.Ref == want.Ref && r.Allow == want.Allow && r.Extends == want.Extends {
			return &DuplicateRequestError{ID: r.ID, err: fmt.Errorf("%w: you already asked for %s%s on %s (request %s, still pending); cancel it to ask differently", auth.ErrConflict, want.Level, refScope(want.Ref, want.Allow), want.Repo, r.ID)}
		}
		if n++; n >= maxPendingPerUser {
			return fmt.Errorf("%w: you have %d pending requests; wait for decisions or cancel some first", auth.ErrConflict, n)
		}
	}
	return nil
}

// approvalsNeeded is the largest approval count a policy sets for repo, or
// the configured default.
func (s *Service) approvalsNeeded(policies []auth.Policy, repo string) int {
	n := 0
	for _, p := range policies {
		if p.Approvals > 0 && slices.ContainsFunc(p.Repos, func(pat string) bool { return auth.RepoMatches(pat, repo) }) {
			n = max(n, p.Approvals)
		}
	}
	if n == 0 {
		n = s.cfg.Load().Approvals
	}
	return n
}

// autoRule returns the allow policy that approves r on submit, if any.
func autoRule(policies []auth.Policy, principals []string, r auth.Request) *auth.Policy {
	for i, p := range policies {
		if p.Effect != auth.Allow || p.AutoMax <= 0 || r.Level > p.AutoLevel || r.Duration > p.AutoMax {
			continue
		}
		if slices.ContainsFunc(p.Subjects, func(s string) bool { return slices.Contains(principals, s) }) &&
			slices.ContainsFunc(p.Repos, func(pat string) bool { return auth.RepoMatches(pat, r.Repo) }) {
			return &policies[i]
		}
	}
	return nil
}

// CanApprove reports whether actor may approve requests for repo:
// administrators, global approvers, and subjects of an approval policy
// covering repo. It does not look at who asked.
func (s *Service) CanApprove(ctx context.Context, actor auth.Identity, repo string) bool {
	if actor.IsLocalAdmin() {
		return true // sees every request; reviewing needs a name (mayReview)
	}
	if actor.Anonymous() {
		return false
	}
	if actor.Admin || actor.Approver {
		return true
	}
	ps, err := s.store.PoliciesFor(ctx, actor.Principals())
	if err != nil {
		return false
	}
	for _, p := range ps {
		if p.Approve && p.Effect == auth.Allow && slices.ContainsFunc(p.Repos, func(pat string) bool { return auth.RepoMatches(pat, repo) }) {
			return true
		}
	}
	return false
}

// ApproveRequest adds the actor's approval. duration, when not zero,
// shortens the grant. The grant is made when the last needed distinct
// approver approves; approving a request that is no longer pending is
// ErrConflict and makes nothing.
func (s *Service) ApproveRequest(ctx context.Context, actor auth.Identity, id string, duration time.Duration, comment string) (auth.Request, error) {
	comment, err := cleanText("comment", comment, false, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Request{}, err
	}
	if duration < 0 {
		return auth.Request{}, fmt.Errorf("%w: duration must be longer than zero", auth.ErrInvalid)
	}
	return s.approve(ctx, actor, id, duration, comment, "")
}

func (s *Service) approve(ctx context.Context, actor auth.Identity, id string, duration time.Duration, comment, autoRule string) (auth.Request, error) {
	now := s.now().UTC()
	var out auth.Request
	var made *auth.Grant
	// One transaction from the first check to the grant: a request decided
	// or a grant ended meanwhile makes fn run again and see it.
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		made = nil
		r, err := tx.Requests().Get(id)
		if err != nil {
			return fmt.Errorf("request %s: %w", id, err)
		}
		if autoRule == "" {
			if err := s.mayReview(ctx, actor, r); err != nil {
				return err
			}
			repo, err := tx.Repos().Get(r.Repo)
			if err != nil {
				if errors.Is(err, auth.ErrNotFound) {
					return fmt.Errorf("%w: repository %s does not exist; deny the request or create the repository first", auth.ErrConflict, r.Repo)
				}
				return err
			}
			if repo.IsArchived() {
				return fmt.Errorf("%w; deny the request, or unarchive the repository first", archivedError(repo))
			}
		}
		if err := s.stillPending(&r, now); err != nil {
			return err
		}
		if slices.ContainsFunc(r.Reviews, func(v auth.Review) bool { return v.By == actor.Name() && autoRule == "" }) {
			return fmt.Errorf("request %s: %w: you already approved it", id, auth.ErrConflict)
		}
		if duration > r.Duration {
			return fmt.Errorf("%w: an approval may shorten the duration (%s) but not lengthen it", auth.ErrInvalid, auth.FormatDuration(r.Duration))
		}
		r.Reviews = append(r.Reviews, auth.Review{By: actor.Name(), Approved: true, Duration: duration, Comment: comment, At: now})
		if autoRule != "" {
			r.AutoRule = autoRule
		} else if approvals(&r) < r.Needed {
			out = r
			if err := tx.Requests().Update(r); err != nil {
				return err
			}
			return ev.add(approveEvent(r, nil, comment, autoRule))
		}
		g, err := grantFor(tx, &r, now)
		if err != nil {
			return err
		}
		r.Status, r.Decided, r.Grant = auth.StatusApproved, now, g.ID
		if err := tx.Requests().Update(r); err != nil {
			return err
		}
		if r.Extends != "" {
			err = tx.Grants().Update(g)
		} else {
			err = tx.Grants().Create(g)
		}
		if err != nil {
			return fmt.Errorf("grant %s: %w", g.ID, err)
		}
		out, made = r, &g
		return ev.add(approveEvent(r, made, comment, autoRule))
	})
	if err != nil {
		return auth.Request{}, err
	}
	return out, nil
}

// approveEvent is the audit event of an approval of r, which made the
// grant made (nil when more approvals are needed).
func approveEvent(r auth.Request, made *auth.Grant, comment, autoRule string) audit.Event {
	ev := audit.Event{Action: "request.approve", Repo: r.Repo, Target: r.Requester, Request: r.ID, Detail: comment, Policy: autoRule}
	if made != nil {
		ev.Grant = made.ID
		ev.Detail = strings.TrimSpace(fmt.Sprintf("grant %s: %s until %s. %s", made.ID, made.Level, made.Expires.Format(time.RFC3339), comment))
	}
	return ev
}

func approvals(r *auth.Request) int {
	n := 0
	for _, v := range r.Reviews {
		if v.Approved {
			n++
		}
	}
	return n
}

// grantFor makes the grant of an approved request, or, for an extension,
// the running grant as tx reads it with its end moved to now + duration
// (never earlier than it was, never stacked on the old end).
func grantFor(tx storage.Tx, r *auth.Request, now time.Time) (auth.Grant, error) {
	d := r.Duration
	for _, v := range r.Reviews {
		if v.Approved && v.Duration > 0 && v.Duration < d {
			d = v.Duration
		}
	}
	if r.Extends != "" {
		g, err := tx.Grants().Get(r.Extends)
		if err != nil {
			return auth.Grant{}, fmt.Errorf("grant %s: %w", r.Extends, err)
		}
		if !g.End().After(now) {
			return auth.Grant{}, fmt.Errorf("%w: grant %s ended before the extension was approved; ask for new access", auth.ErrConflict, g.ID)
		}
		if end := now.Add(d); end.After(g.Expires) {
			g.Expires = end
		}
		return g, nil
	}
	return auth.Grant{
		ID: secret.NewID("g_"), Subject: auth.UserPrincipal(r.Requester), Repo: r.Repo, Level: r.Level, Ref: r.Ref, Allow: r.Allow,
		Starts: now, Expires: now.Add(d), Reason: r.Reason, Origin: auth.OriginRequest, Request: r.ID,
		CreatedBy: strings.Join(reviewers(r), ","), Created: now,
	}, nil
}

func reviewers(r *auth.Request) []string {
	var out []string
	for _, v := range r.Reviews {
		if v.Approved {
			out = append(out, v.By)
		}
	}
	return out
}

// stillPending refuses to act on a request that was decided or lapsed.
func (s *Service) stillPending(r *auth.Request, now time.Time) error {
	if r.Status != auth.StatusPending {
		return fmt.Errorf("request %s: %w: it is %s", r.ID, auth.ErrConflict, r.Status)
	}
	if !now.Before(r.Expires) {
		return fmt.Errorf("request %s: %w: it expired at %s without a decision", r.ID, auth.ErrConflict, r.Expires.Format(time.RFC3339))
	}
	return nil
}

func (s *Service) mayReview(ctx context.Context, actor auth.Identity, r auth.Request) error {
	if actor.IsLocalAdmin() {
		return fmt.Errorf("%w: on the admin socket, approve or deny as a named administrator: `jitgit --as NAME request ...` (or set JITGIT_AS), or make admin_user in the config an enabled administrator", auth.ErrForbidden)
	}
	if actor.User != "" && actor.User == r.Requester {
		return fmt.Errorf("%w: nobody approves or denies their own request", auth.ErrForbidden)
	}
	if err := refuseAuditor(actor, "deciding a request"); err != nil {
		return err
	}
	if !s.CanApprove(ctx, actor, r.Repo) {
		return fmt.Errorf("%w: you may not approve requests for %s", auth.ErrForbidden, r.Repo)
	}
	return nil
}

// DenyRequest refuses a pending request with a reason the requester sees.
func (s *Service) DenyRequest(ctx context.Context, actor auth.Identity, id, reason string) (auth.Request, error) {
	reason, err := cleanText("reason", reason, true, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Request{}, err
	}
	may := func(r auth.Request) error { return s.mayReview(ctx, actor, r) }
	return s.settle(ctx, actor, id, "request.deny", reason, may, func(r *auth.Request, now time.Time) {
		r.Status, r.Decided, r.DenyNote = auth.StatusDenied, now, reason
		r.Reviews = append(r.Reviews, auth.Review{By: actor.Name(), Comment: reason, At: now})
	})
}

// CancelRequest withdraws the actor's own pending request.
func (s *Service) CancelRequest(ctx context.Context, actor auth.Identity, id string) (auth.Request, error) {
	may := func(r auth.Request) error {
		if actor.Admin && !actor.Anonymous() {
			return nil // an administrator may withdraw anyone's request, on the record
		}
		if actor.Anonymous() || r.Requester != actor.User {
			return fmt.Errorf("%w: only the requester (or an administrator, on the admin socket with --as NAME) can cancel a request", auth.ErrForbidden)
		}
		return nil
	}
	return s.settle(ctx, actor, id, "request.cancel", "", may, func(r *auth.Request, now time.Time) {
		r.Status, r.Decided = auth.StatusCancelled, now
	})
}

// settle moves a pending request to a final state without a grant, if
// may allows the actor to.
func (s *Service) settle(ctx context.Context, actor auth.Identity, id, action, detail string, may func(auth.Request) error, apply func(*auth.Request, time.Time)) (auth.Request, error) {
	now := s.now().UTC()
	var out auth.Request
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		r, err := tx.Requests().Get(id)
		if err != nil {
			return fmt.Errorf("request %s: %w", id, err)
		}
		if err := may(r); err != nil {
			return err
		}
		if err := s.stillPending(&r, now); err != nil {
			return err
		}
		apply(&r, now)
		out = r
		if err := tx.Requests().Update(r); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: action, Repo: r.Repo, Target: r.Requester, Request: id, Detail: detail})
	})
	if err != nil {
		return auth.Request{}, err
	}
	return out, nil
}

// ExpireRequests marks pending requests past their lifetime as expired and
// returns how many it marked. The server calls it periodically.
func (s *Service) ExpireRequests(ctx context.Context) (int, error) {
	all, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListStatus(auth.StatusPending) })
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	n := 0
	for _, r := range all {
		if r.Status != auth.StatusPending || now.Before(r.Expires) {
			continue
		}
		err := s.update(ctx, auth.System(""), func(tx storage.Tx, ev *changeEvents) error {
			cur, err := tx.Requests().Get(r.ID)
			if err != nil {
				return err
			}
			if cur.Status != auth.StatusPending {
				return auth.ErrConflict
			}
			cur.Status, cur.Decided = auth.StatusExpired, now
			if err := tx.Requests().Update(cur); err != nil {
				return err
			}
			return ev.add(audit.Event{Action: "request.expire", Repo: r.Repo, Target: r.Requester, Request: r.ID})
		})
		if errors.Is(err, auth.ErrConflict) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RequestFilter narrows ListRequests.
type RequestFilter struct {
	Status auth.RequestStatus // empty: any
	Mine   bool               // only the actor's own
	User   string             // only this requester's
	Repo   string             // only requests for this repository
}

// ListRequests returns requests the actor may see, newest first: their own,
// and those they may approve.
func (s *Service) ListRequests(ctx context.Context, actor auth.Identity, f RequestFilter) ([]auth.Request, error) {
	if actor.Anonymous() && !actor.Admin {
		return nil, fmt.Errorf("%w: sign in to see requests", auth.ErrUnauthenticated)
	}
	all, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Request, error) {
		switch {
		case f.Mine && actor.User != "":
			return tx.Requests().ListBy(actor.User)
		case f.Status != "":
			return tx.Requests().ListStatus(f.Status)
		}
		return tx.Requests().List()
	})
	if err != nil {
		return nil, err
	}
	var out []auth.Request
	for _, r := range all {
		mine := r.Requester == actor.User
		switch {
		case f.Status != "" && r.Status != f.Status:
		case f.Mine && !mine:
		case f.User != "" && r.Requester != f.User:
		case f.Repo != "" && r.Repo != f.Repo:
		case mine || s.CanApprove(ctx, actor, r.Repo):
			out = append(out, r)
		}
	}
	return out, nil
}

// Request returns one request the actor may see.
func (s *Service) Request(ctx context.Context, actor auth.Identity, id string) (auth.Request, error) {
	r, err := read(ctx, s.store, func(tx storage.Tx) (auth.Request, error) { return tx.Requests().Get(id) })
	if err != nil {
		return auth.Request{}, fmt.Errorf("request %s: %w", id, err)
	}
	if r.Requester != actor.User && !s.CanApprove(ctx, actor, r.Repo) {
		return auth.Request{}, fmt.Errorf("request %s: %w", id, auth.ErrNotFound)
	}
	return r, nil
}
