package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// BulkOptions say how BulkGrants treats a file.
type BulkOptions struct {
	Format      string // csv, jsonl, or empty to detect it from the content
	DryRun      bool   // check and classify, write nothing
	SkipInvalid bool   // write the valid lines even when some are invalid
	Extend      bool   // a line matching a running grant that ends sooner extends it
	Note        string // where the file came from, for the batch record
	// BreakGlass lets an administrator grant themselves access that needs
	// approval, with Reason on the record; see SeparationOfDuties.
	BreakGlass bool
	Reason     string
}

// Line outcomes of a bulk file.
const (
	BulkNew       = "new"
	BulkExtended  = "extended"
	BulkUnchanged = "unchanged"
	BulkInvalid   = "invalid"
)

// BulkLine is what became of one line of a bulk file.
type BulkLine struct {
	Line    int // in the file, from 1 (the CSV header is line 1)
	Status  string
	Subject string
	Repo    string
	Level   auth.Level
	For     string
	Grant   string // the grant made, or the running one it leaves or extends
	Extends string // the grant an extension replaces
	Error   string // why the line is invalid
}

// BulkResult is the outcome of a bulk file: its batch (none on a dry run
// or when nothing was written), the counts, and every line.
type BulkResult struct {
	Batch                             string
	Format                            string
	DryRun                            bool
	New, Extended, Unchanged, Invalid int
	Lines                             []BulkLine
	Written                           bool
}

// ErrBulkInvalid is BulkGrants refusing a file with invalid lines; the
// result names each.
var ErrBulkInvalid = fmt.Errorf("%w: the file has invalid lines; nothing was written", auth.ErrInvalid)

// BulkGrants reads a bulk file of grants (CSV with the header
// subject,repo,access,for,reason[,ticket], or JSON lines of the same
// fields), checks every line, and writes the lines that are new (or
// extend a running grant) as one batch: all of them count, or none. A
// line identical to a running grant is unchanged. With invalid lines
// nothing is written, unless SkipInvalid; the error is then
// ErrBulkInvalid and the result lists every line with its reason. Bulk
// files are written one at a time, so two files with the same lines do
// not both make them.
func (s *Service) BulkGrants(ctx context.Context, actor auth.Identity, r io.Reader, o BulkOptions) (BulkResult, error) {
	if err := requireAdmin(actor, "granting access"); err != nil {
		return BulkResult{}, err
	}
	if o.BreakGlass {
		reason, err := cleanText("break-glass reason", o.Reason, true, s.cfg.Load().MaxReason)
		if err != nil {
			return BulkResult{}, err
		}
		o.Reason = reason
	}
	format, rows, err := readBulk(r, o.Format)
	if err != nil {
		return BulkResult{}, fmt.Errorf("bulk file: %w", err)
	}
	res := BulkResult{Format: format, DryRun: o.DryRun}
	if len(rows) == 0 {
		return res, fmt.Errorf("%w: bulk file: no grants in it", auth.ErrInvalid)
	}
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	now := s.now().UTC()
	staged, err := s.checkBulk(ctx, actor, rows, o, now, &res)
	if err != nil {
		return res, err
	}
	if res.Invalid > 0 && !o.SkipInvalid {
		return res, ErrBulkInvalid
	}
	if o.DryRun || len(staged) == 0 {
		return res, nil
	}
	batch := secret.NewID("b_")
	res.Batch = batch
	bulkEv, err := s.writeBatch(ctx, actor, batch, staged, &res, o, now)
	if err != nil {
		res.Batch = ""
		for i := range staged {
			res.Lines[staged[i].line].Grant = ""
		}
		return res, err
	}
	res.Written = true
	return res, s.recordBatch(ctx, actor, bulkEv, batch, res, o)
}

// bulkPlan is a line that writes a grant: what its BulkLine does not hold.
// The grants themselves are made a chunk at a time as they are written, so
// a large file's are never all in memory at once.
type bulkPlan struct {
	line     int // index in BulkResult.Lines
	expires  time.Time
	reason   string
	replaces string
}

// checkBulk checks every row and classifies it into res.Lines, returning
// the lines to write, in line order.
func (s *Service) checkBulk(ctx context.Context, actor auth.Identity, rows []bulkRow, o BulkOptions, now time.Time, res *BulkResult) ([]bulkPlan, error) {
	var users []auth.User
	var repos []auth.Repo
	var policies []auth.Policy
	err := s.store.View(ctx, func(tx storage.Tx) error {
		var err error
		if users, err = tx.Users().List(); err != nil {
			return err
		}
		if repos, err = tx.Repos().List(); err != nil {
			return err
		}
		policies, err = tx.Policies().List()
		return err
	})
	if err != nil {
		return nil, err
	}
	userSet := make(map[string]bool, len(users))
	groupSet := map[string]bool{}
	for _, u := range users {
		userSet[u.Name] = true
		for _, g := range u.Groups {
			groupSet[g] = true
		}
	}
	repoSet := make(map[string]bool, len(repos)) // false: archived
	for _, r := range repos {
		repoSet[r.Name] = !r.IsArchived()
	}
	own := actor.Principals()
	type key struct {
		subject, repo string
		level         auth.Level
	}
	first := make(map[key]int, len(rows))
	res.Lines = make([]BulkLine, len(rows))
	staged := make([]bulkPlan, 0, len(rows))
	var subjects []string
	seenSubject := map[string]bool{}
	for i, row := range rows {
		l := &res.Lines[i]
		*l = BulkLine{Line: row.line, Subject: row.subject, Repo: row.repo, For: row.dur}
		g, why := s.checkBulkRow(row, userSet, groupSet, repoSet, now)
		if why == "" && !o.BreakGlass && slices.Contains(own, g.Subject) && needsApproval(policies, g.Repo) {
			why = fmt.Sprintf("%s is you (or a group you are in) and %s needs approval: file a request like everyone else (`jitgit request create`), or use --break-glass --reason in an emergency", g.Subject, g.Repo)
		}
		if why == "" {
			k := key{g.Subject, g.Repo, g.Level}
			if j, dup := first[k]; dup {
				why = fmt.Sprintf("duplicate of line %d (same subject, repository and access)", rows[j].line)
			} else {
				first[k] = i
			}
		}
		if why != "" {
			l.Status, l.Error = BulkInvalid, why
			res.Invalid++
			continue
		}
		l.Repo, l.Level = g.Repo, g.Level
		staged = append(staged, bulkPlan{line: i, expires: g.Expires, reason: g.Reason})
		if !seenSubject[g.Subject] {
			seenSubject[g.Subject] = true
			subjects = append(subjects, g.Subject)
		}
	}
	// The running grants of every subject in the file, from the index the
	// decision reads: one seek per subject.
	running, err := s.store.GrantsFor(ctx, subjects, now)
	if err != nil {
		return nil, err
	}
	current := make(map[key]auth.Grant, len(running))
	for _, g := range running {
		if g.Ref != "" || g.Allow != 0 || !g.ActiveAt(now) {
			continue
		}
		k := key{g.Subject, g.Repo, g.Level}
		if c, ok := current[k]; !ok || g.End().After(c.End()) {
			current[k] = g
		}
	}
	next, kept := 0, 0
	for i := range res.Lines {
		l := &res.Lines[i]
		if l.Status == BulkInvalid {
			continue
		}
		sg := staged[next]
		next++
		c, ok := current[key{l.Subject, l.Repo, l.Level}]
		switch {
		case !ok:
			l.Status = BulkNew
			res.New++
		case o.Extend && sg.expires.After(c.End()):
			l.Status, l.Extends = BulkExtended, c.ID
			res.Extended++
			sg.replaces = c.ID
		default:
			l.Status, l.Grant = BulkUnchanged, c.ID
			res.Unchanged++
			continue
		}
		staged[kept] = sg
		kept++
	}
	clear(staged[kept:])
	return staged[:kept], nil
}

// checkBulkRow checks one row against the users, groups and repositories
// and builds its grant, or says why it is invalid.
func (s *Service) checkBulkRow(row bulkRow, users, groups, repos map[string]bool, now time.Time) (auth.Grant, string) {
	if row.err != "" {
		return auth.Grant{}, row.err
	}
	why := func(err error) string { return strings.TrimPrefix(err.Error(), auth.ErrInvalid.Error()+": ") }
	if err := auth.ValidatePrincipal(row.subject); err != nil {
		return auth.Grant{}, "subject: " + why(err)
	}
	kind, name, _ := strings.Cut(row.subject, ":")
	switch {
	case kind == "user" && !users[name]:
		return auth.Grant{}, fmt.Sprintf("unknown user %q: add it first (`jitgit user add %s` or `jitgit user import`)", name, name)
	case kind == "group" && !groups[name]:
		return auth.Grant{}, fmt.Sprintf("unknown group %q: no user is in it", name)
	case kind != "user" && kind != "group":
		return auth.Grant{}, fmt.Sprintf("subject %q: use user:NAME or group:NAME", auth.Printable(row.subject))
	}
	repo, err := auth.CanonicalRepoPattern(row.repo)
	if err != nil {
		return auth.Grant{}, "repo: " + why(err)
	}
	if !strings.HasSuffix(repo, "/*") {
		if repo != row.repo && repo+".git" != row.repo {
			return auth.Grant{}, fmt.Sprintf("repository %q: write it as %s", auth.Printable(row.repo), repo)
		}
		if open, ok := repos[repo]; !ok {
			return auth.Grant{}, fmt.Sprintf("unknown repository %s: create or import it first", repo)
		} else if !open {
			return auth.Grant{}, fmt.Sprintf("repository %s is archived: nobody has access to it; `jitgit repo unarchive %s` first", repo, repo)
		}
	}
	level, err := auth.ParseLevel(row.access)
	if err != nil {
		return auth.Grant{}, "access: " + why(err)
	}
	if len(row.dur) > 32 {
		return auth.Grant{}, "for: too long to be a duration; use a length like 90m, 2h or 7d"
	}
	d, err := auth.ParseDuration(row.dur, s.cfg.Load().MaxGrant)
	if err != nil {
		return auth.Grant{}, "for: " + why(err)
	}
	reason, err := cleanText("reason", row.reason, false, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Grant{}, why(err)
	}
	if row.ticket != "" {
		t, err := cleanText("ticket", row.ticket, false, 100)
		if err != nil {
			return auth.Grant{}, why(err)
		}
		if strings.ContainsAny(t, "\n\t") {
			return auth.Grant{}, "ticket is one line"
		}
		reason = strings.TrimSpace(reason + " [" + t + "]")
	}
	return auth.Grant{
		Subject: row.subject, Repo: repo, Level: level, Starts: now, Expires: now.Add(d),
		Reason: reason, Origin: auth.OriginBulk, Created: now,
	}, ""
}

// needsApproval reports whether a policy asks for approvals on repo (or,
// for owner/*, on any repository it covers).
func needsApproval(policies []auth.Policy, repo string) bool {
	owner, wild := strings.CutSuffix(repo, "/*")
	for _, p := range policies {
		if p.Effect != auth.Allow || (p.Approvals == 0 && !p.Approve) {
			continue
		}
		for _, pat := range p.Repos {
			if auth.RepoMatches(pat, repo) || pat == repo || (wild && strings.HasPrefix(pat, owner+"/")) {
				return true
			}
		}
	}
	return false
}

// stageChunk is how many grants writeBatch makes and hands to the store at
// a time.
const stageChunk = 8192

// writeBatch makes the grants of plan, stores them as batch id and commits
// it, noting each grant's id in its line; when anything fails before the
// commit, the batch is removed again.
//
// The batch commits together with its grant.bulk event, which writeBatch
// returns as staged.
func (s *Service) writeBatch(ctx context.Context, actor auth.Identity, id string, plan []bulkPlan, res *BulkResult, o BulkOptions, now time.Time) (audit.Event, error) {
	b := storage.Batch{ID: id, CreatedBy: actor.Name(), Created: now, Grants: len(plan), Replaced: res.Extended, Note: o.Note}
	if err := s.store.BeginBatch(ctx, b); err != nil {
		return audit.Event{}, fmt.Errorf("batch: %w", err)
	}
	var err error
	buf := make([]storage.StagedGrant, 0, min(stageChunk, len(plan)))
	for start := 0; start < len(plan) && err == nil; start += stageChunk {
		buf = buf[:0]
		for _, p := range plan[start:min(start+stageChunk, len(plan))] {
			l := &res.Lines[p.line]
			g := auth.Grant{
				ID: secret.NewID("g_"), Subject: l.Subject, Repo: l.Repo, Level: l.Level, Starts: now, Expires: p.expires,
				Reason: p.reason, Origin: auth.OriginBulk, CreatedBy: actor.Name(), Created: now, Batch: id,
			}
			l.Grant = g.ID
			buf = append(buf, storage.StagedGrant{Grant: g, Replaces: p.replaces})
		}
		err = s.store.StageGrants(ctx, id, buf)
	}
	if err == nil {
		var ev audit.Event
		_, ev, err = s.store.CommitBatch(ctx, id, now, s.fill(actor, bulkEvent(id, *res, o)))
		if err == nil {
			return ev, nil
		}
	}
	// Not committed: take it away now rather than at the next start. An
	// interrupted caller (ctx done) must not keep the abort from running.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if aerr := s.store.AbortBatch(actx, id); aerr != nil && !errors.Is(aerr, auth.ErrConflict) {
		return audit.Event{}, fmt.Errorf("batch %s: %w (its partial writes count for nothing and go at the next start: %v)", id, err, aerr)
	}
	return audit.Event{}, fmt.Errorf("batch %s: %w; nothing was granted", id, err)
}

// bulkEvent is the grant.bulk event of a batch: its id and counts. It
// commits with the batch, so a batch in force is never unrecorded; the
// per-grant events follow it (recordBatch), and every grant of the batch
// carries its id.
func bulkEvent(batch string, res BulkResult, o BulkOptions) audit.Event {
	detail := fmt.Sprintf("batch %s: %d new, %d extended, %d unchanged, %d invalid skipped", batch, res.New, res.Extended, res.Unchanged, res.Invalid)
	if o.Note != "" {
		detail += " from " + o.Note
	}
	if o.BreakGlass {
		detail += "; BREAK-GLASS: " + o.Reason
	}
	return audit.Event{Action: "grant.bulk", Detail: detail}
}

// recordBatch appends the audit events of a committed batch: its
// grant.bulk event, staged with the commit, then a grant.create (or, for
// a break-glass file, grant.break_glass) event per grant it made.
func (s *Service) recordBatch(ctx context.Context, actor auth.Identity, bulkEv audit.Event, batch string, res BulkResult, o BulkOptions) error {
	action := "grant.create"
	if o.BreakGlass {
		action = "grant.break_glass"
	}
	// A staged event reaches the chain in any case (Recover); waiting
	// for it here keeps it before the per-grant events.
	_ = s.audit.Record(ctx, bulkEv)
	evs := func(yield func(audit.Event) bool) {
		for _, l := range res.Lines {
			if l.Status != BulkNew && l.Status != BulkExtended {
				continue
			}
			d := fmt.Sprintf("batch %s: %s for %s", batch, l.Level, l.For)
			if l.Extends != "" {
				d += ", extends " + l.Extends
			}
			if o.BreakGlass {
				d += "; BREAK-GLASS: " + o.Reason
			}
			if !yield(audit.Event{Action: action, Repo: l.Repo, Target: l.Subject, Grant: l.Grant, Detail: d}) {
				return
			}
		}
	}
	return s.recordAll(ctx, actor, evs)
}

// Batches returns every batch, newest first. Only administrators may
// list them.
func (s *Service) Batches(ctx context.Context, actor auth.Identity) ([]storage.Batch, error) {
	if err := requireAdmin(actor, "listing batches"); err != nil {
		return nil, err
	}
	return s.store.ListBatches(ctx)
}

// RecoverBatches settles the batches a stopped server left behind: a
// staged batch is removed (none of its grants ever counted), a committed
// one has its replaced grants ended. Call it once at start, before
// serving. Each removed batch is recorded as grant.bulk_abort.
func (s *Service) RecoverBatches(ctx context.Context) (aborted []string, err error) {
	aborted, _, err = s.store.RecoverBatches(ctx)
	for _, id := range aborted {
		if rerr := s.record(ctx, auth.System("startup"), audit.Event{Action: "grant.bulk_abort", Detail: "batch " + id + ": not committed when the server stopped; none of its grants counted, and they are removed"}); rerr != nil && err == nil {
			err = rerr
		}
	}
	return aborted, err
}
