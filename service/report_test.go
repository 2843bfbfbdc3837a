package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// reportTable prints a report with times as days and hours after t0, one
// interval a line, so that a month of changes compares as text.
func reportTable(ivs []service.AccessInterval, t0 time.Time) string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "open"
		}
		d := t.Sub(t0)
		return fmt.Sprintf("d%02d+%02d:%02d", int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60)
	}
	var b strings.Builder
	for _, iv := range ivs {
		via := "grant"
		if iv.Policy != "" {
			via = "policy:" + iv.Policy
		}
		group := iv.Group
		if group == "" {
			group = "-"
		}
		fmt.Fprintf(&b, "%s %s %s %s %s %s→%s ended=%q reason=%q ticket=%q approved=%d denied=%d\n",
			iv.Subject, via, group, iv.Repo, iv.Level, at(iv.From), at(iv.To), iv.Ended, iv.Reason, iv.Ticket, len(iv.Approved), len(iv.Denied))
	}
	return b.String()
}

// TestAccessReportOfAMonth scripts a month of requests, denials,
// approvals, expiries, revokes, group changes, a disabled user and a
// policy added and removed, and wants the report of one repository and of
// one user to be exactly the table below.
func TestAccessReportOfAMonth(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "dave", Approver: true}); err != nil {
		t.Fatal(err)
	}
	t0 := f.Clock.Now()
	day := 24 * time.Hour
	to := func(d time.Duration) { f.Clock.Set(t0.Add(d)) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sweep := func() {
		_, err := f.Svc.ExpireGrants(ctx)
		must(err)
	}
	ask := func(user string) auth.Request {
		r, err := f.Svc.CreateRequest(ctx, f.Who(t, user), service.NewRequest{Repo: "acme/payments", Level: auth.LevelRead, Duration: 2 * time.Hour, Reason: "INC-7 outage", Ticket: "T-7"})
		must(err)
		return r
	}
	// Day 0: alice asks and dave denies; day 1 she asks again and dave
	// approves; the grant runs out two hours later.
	r1 := ask("alice")
	to(time.Hour)
	_, err := f.Svc.DenyRequest(ctx, f.Who(t, "dave"), r1.ID, "use the runbook first")
	must(err)
	to(day)
	r2 := ask("alice")
	to(day + 30*time.Minute)
	_, err = f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r2.ID, 0, "ok")
	must(err)
	to(day + 3*time.Hour)
	sweep()
	// Day 3: the payments group gets write for a week; bob joins it on day
	// 5; carol is disabled from day 6 to day 7; the grant is revoked on
	// day 8.
	to(3 * day)
	g2, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "group:payments", Repo: "acme/payments", Level: auth.LevelWrite, Duration: 7 * day, Reason: "quarter close"})
	must(err)
	to(5 * day)
	_, err = f.Svc.UpdateUser(ctx, f.Admin, "bob", service.UserChange{Groups: &[]string{"sre", "payments"}})
	must(err)
	to(6 * day)
	_, err = f.Svc.UpdateUser(ctx, f.Admin, "carol", service.UserChange{Disabled: new(true)})
	must(err)
	to(7 * day)
	_, err = f.Svc.UpdateUser(ctx, f.Admin, "carol", service.UserChange{Disabled: new(false)})
	must(err)
	to(8 * day)
	_, err = f.Svc.RevokeGrant(ctx, f.Admin, g2.ID, "close done")
	must(err)
	// Day 10: bob reads for a day and relinquishes after an hour.
	to(10 * day)
	g3, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "user:bob", Repo: "acme/payments", Level: auth.LevelRead, Duration: day, Reason: "audit prep"})
	must(err)
	to(10*day + time.Hour)
	_, err = f.Svc.RelinquishGrant(ctx, f.Who(t, "bob"), g3.ID)
	must(err)
	// Day 15: a policy lets sre read acme/*; removed on day 20. A grant on
	// another repository stays out of the repository's report.
	to(15 * day)
	must(f.Svc.SyncPolicies(ctx, "config", []auth.Policy{{ID: "sre-read", Description: "on-call reads", Subjects: []string{"group:sre"}, Repos: []string{"acme/*"}, Effect: auth.Allow, Level: auth.LevelRead}}))
	f.Grant(t, "user:alice", "acme/web", auth.LevelRead, time.Hour)
	to(20 * day)
	must(f.Svc.SyncPolicies(ctx, "config", nil))
	to(30 * day)
	sweep()

	got, err := f.Svc.AccessReport(ctx, f.Admin, service.ReportFilter{Repo: "acme/payments"})
	must(err)
	want := `alice grant - acme/payments read d01+00:30→d01+02:30 ended="expired" reason="INC-7 outage" ticket="T-7" approved=1 denied=1
carol grant payments acme/payments write d03+00:00→d06+00:00 ended="disabled" reason="quarter close" ticket="" approved=0 denied=0
bob grant payments acme/payments write d05+00:00→d08+00:00 ended="revoked by local-admin" reason="quarter close" ticket="" approved=0 denied=0
carol grant payments acme/payments write d07+00:00→d08+00:00 ended="revoked by local-admin" reason="quarter close" ticket="" approved=0 denied=0
bob grant - acme/payments read d10+00:00→d10+01:00 ended="relinquished" reason="audit prep" ticket="" approved=0 denied=0
bob policy:sre-read sre acme/* read d15+00:00→d20+00:00 ended="policy removed" reason="" ticket="" approved=0 denied=0
`
	if g := reportTable(got, t0); g != want {
		t.Errorf("report of acme/payments:\n%s\nwant:\n%s", g, want)
	}

	got, err = f.Svc.AccessReport(ctx, f.Admin, service.ReportFilter{User: "bob", Since: t0.Add(9 * day)})
	must(err)
	want = `bob grant - acme/payments read d10+00:00→d10+01:00 ended="relinquished" reason="audit prep" ticket="" approved=0 denied=0
bob policy:sre-read sre acme/* read d15+00:00→d20+00:00 ended="policy removed" reason="" ticket="" approved=0 denied=0
`
	if g := reportTable(got, t0); g != want {
		t.Errorf("report of bob since day 9:\n%s\nwant:\n%s", g, want)
	}
	// The auditor may ask; a plain user may not.
	if _, err := f.Svc.AccessReport(ctx, f.Who(t, "alice"), service.ReportFilter{Repo: "acme/payments"}); err == nil {
		t.Error("a plain user got an access report")
	}
}
