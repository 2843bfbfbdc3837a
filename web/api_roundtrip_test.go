package web

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// roundTrip encodes what the server answers and decodes it as the CLI
// does, into the same api type; nothing may be lost on the way.
func roundTrip[T any](t *testing.T, sent T) T {
	t.Helper()
	b, err := json.Marshal(sent)
	if err != nil {
		t.Fatal(err)
	}
	var got T
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%T: %v", got, err)
	}
	if !reflect.DeepEqual(got, sent) {
		t.Errorf("%T changed on the wire:\nsent %+v\ngot  %+v", got, sent, got)
	}
	return got
}

var (
	rtStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rtNow   = rtStart.Add(30 * time.Minute)
)

func TestRoundTripUser(t *testing.T) {
	got := roundTrip(t, viewUser(auth.User{Name: "alice", PasswordHash: "$argon2id$secret", Groups: []string{"sre"}, Approver: true, Disabled: true, Created: rtStart}))
	if got.Name != "alice" || !reflect.DeepEqual(got.Groups, []string{"sre"}) || got.Admin || !got.Approver || !got.Disabled || !got.Created.Equal(rtStart) {
		t.Errorf("user: %+v", got)
	}
	if got := roundTrip(t, viewUser(auth.User{Name: "bob"})); got.Groups == nil {
		t.Error("a user without groups must list [] groups, not null")
	}
}

func TestRoundTripIdentity(t *testing.T) {
	got := roundTrip(t, viewIdentity(auth.Identity{User: "alice", Groups: []string{"sre"}, Approver: true, Method: auth.MethodToken}))
	if got.User != "alice" || got.Method != "token" || !got.Approver || got.Admin || len(got.Groups) != 1 {
		t.Errorf("identity: %+v", got)
	}
}

func TestRoundTripToken(t *testing.T) {
	got := roundTrip(t, viewToken(auth.Token{ID: "t_1", User: "alice", Hash: "ab12", Name: "laptop", Created: rtStart, Expires: rtStart.Add(time.Hour), Revoked: true}))
	if got.ID != "t_1" || got.User != "alice" || got.Name != "laptop" || !got.Created.Equal(rtStart) || !got.Expires.Equal(rtStart.Add(time.Hour)) || !got.Revoked {
		t.Errorf("token: %+v", got)
	}
	if got := roundTrip(t, viewToken(auth.Token{ID: "t_2", Created: rtStart})); !got.Expires.IsZero() {
		t.Errorf("a token that never expires: %+v", got)
	}
	made := roundTrip(t, api.CreatedToken{Token: "jg_secret", ID: "t_1", User: "alice", Expires: rtStart})
	if made.Token != "jg_secret" || made.ID != "t_1" {
		t.Errorf("created token: %+v", made)
	}
}

func TestRoundTripKey(t *testing.T) {
	k := auth.Key{Fingerprint: "SHA256:abc", User: "alice", Type: "ssh-ed25519", Comment: "alice@laptop", Authorized: "ssh-ed25519 AAAA alice@laptop", Created: rtStart}
	got := roundTrip(t, viewKey(k))
	if got.Fingerprint != k.Fingerprint || got.Type != k.Type || got.Comment != k.Comment || got.Authorized != k.Authorized || !got.Created.Equal(rtStart) {
		t.Errorf("key: %+v", got)
	}
}

func TestRoundTripRepo(t *testing.T) {
	r := auth.Repo{Name: "mirrors/infra", Description: "d", Mirror: "https://git.example.com/infra.git", Created: rtStart, CreatedBy: "root",
		Every: 2 * time.Hour, LastSync: rtNow, SyncResult: "error", SyncError: "fatal: gone", SyncUpdated: 3}
	got := roundTrip(t, viewRepo(r))
	if got.Name != r.Name || got.Mirror != r.Mirror || got.Every != 2*time.Hour || !got.LastSync.Equal(rtNow) || got.SyncResult != "error" || got.SyncError != r.SyncError || got.SyncUpdated != 3 {
		t.Errorf("repo: %+v", got)
	}
}

func TestRoundTripGrant(t *testing.T) {
	g := auth.Grant{ID: "g_1", Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelWrite, Starts: rtStart, Expires: rtStart.Add(2 * time.Hour),
		Reason: "INC-42", Origin: auth.OriginRequest, Request: "r_1", CreatedBy: "bob", Created: rtStart}
	got := roundTrip(t, viewGrant(g, rtNow))
	if got.ID != "g_1" || got.Subject != "user:alice" || got.Repo != "acme/payments" || got.Access != "write" || !got.Active ||
		got.Remaining != "1h30m" || !got.Ends.Equal(g.Expires) || got.Reason != "INC-42" || got.Origin != "request" || got.Request != "r_1" || got.Ended != nil {
		t.Errorf("active grant: %+v", got)
	}
	g.Ended, g.EndedBy = rtNow, "alice"
	got = roundTrip(t, viewGrant(g, rtNow.Add(time.Minute)))
	if got.Active || got.Remaining != "" || got.Ended == nil || !got.Ended.Equal(rtNow) || !got.Ends.Equal(rtNow) || got.EndedBy != "alice" {
		t.Errorf("ended grant: %+v", got)
	}
}

func TestRoundTripRequest(t *testing.T) {
	r := auth.Request{ID: "r_1", Requester: "alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: 2 * time.Hour, Reason: "look",
		Ticket: "INC-1", Status: auth.StatusDenied, Created: rtStart, Expires: rtStart.Add(24 * time.Hour), Needed: 2,
		Reviews: []auth.Review{{By: "bob", Approved: true, Duration: time.Hour, Comment: "ok", At: rtNow}, {By: "carol", At: rtNow}},
		Decided: rtNow, DenyNote: "no", Extends: "g_0"}
	got := roundTrip(t, viewRequest(r))
	if got.ID != "r_1" || got.Requester != "alice" || got.Access != "read" || got.Duration != "2h" || got.Status != "denied" ||
		got.Approvals != 1 || got.ApprovalsNeeded != 2 || got.DenyReason != "no" || got.Decided == nil || got.Extends != "g_0" || got.Ticket != "INC-1" {
		t.Errorf("request: %+v", got)
	}
	if len(got.Reviews) != 2 || got.Reviews[0].Duration != "1h" || got.Reviews[1].Duration != "" || got.Reviews[0].By != "bob" {
		t.Errorf("reviews: %+v", got.Reviews)
	}
	if got := roundTrip(t, viewRequest(auth.Request{ID: "r_2", Level: auth.LevelRead})); got.Reviews == nil || got.Decided != nil {
		t.Errorf("an undecided request lists [] reviews and no decided: %+v", got)
	}
}

func TestRoundTripDecision(t *testing.T) {
	got := roundTrip(t, viewDecision(auth.Decision{Allowed: true, Level: auth.LevelWrite, Grant: "g_1", Expires: rtNow, Reason: "grant g_1"}, "alice", "acme/payments", auth.RefUpdate{}))
	if !got.Allowed || got.User != "alice" || got.Repo != "acme/payments" || got.Access != "write" || got.Grant != "g_1" || got.Expires == nil || got.Reason != "grant g_1" || got.Ref != "" || got.Change != "" {
		t.Errorf("decision: %+v", got)
	}
	if got := roundTrip(t, viewDecision(auth.Decision{Level: auth.LevelRead, Policy: "p", Reason: "no"}, "bob", "x/y", auth.RefUpdate{})); got.Allowed || got.Expires != nil || got.Policy != "p" {
		t.Errorf("denial: %+v", got)
	}
	ref := auth.RefUpdate{Name: "refs/heads/main", Kind: auth.ChangeForce}
	if got := roundTrip(t, viewDecision(auth.Decision{Level: auth.LevelWrite, Reason: "protected"}, "bob", "x/y", ref)); got.Ref != "refs/heads/main" || got.Change != "force" {
		t.Errorf("a ref update's decision: %+v", got)
	}
}

func TestRoundTripPolicy(t *testing.T) {
	got := roundTrip(t, viewPolicy(auth.Policy{ID: "auto", Subjects: []string{"users"}, Repos: []string{"docs/*"}, Effect: auth.Allow, AutoMax: time.Hour, AutoLevel: auth.LevelRead, Source: "config"}))
	if got.ID != "auto" || got.Access != "" || got.AutoMax != "1h" || got.AutoAccess != "read" || got.Effect != "allow" || got.Source != "config" {
		t.Errorf("auto-approval policy: %+v", got)
	}
	got = roundTrip(t, viewPolicy(auth.Policy{ID: "deny", Subjects: []string{"group:c"}, Repos: []string{"infra/*"}, Effect: auth.Deny, Level: auth.LevelWrite, Approvals: 2}))
	if got.Access != "write" || got.Effect != "deny" || got.AutoMax != "" || got.AutoAccess != "" || got.Approvals != 2 {
		t.Errorf("deny policy: %+v", got)
	}
}

func TestRoundTripAudit(t *testing.T) {
	e := audit.Event{Seq: 7, Time: rtStart, Actor: "alice", Remote: "127.0.0.1:5", Transport: "http", Action: "access.write", Repo: "acme/payments",
		Target: "t", Result: "allow", Grant: "g_1", Policy: "p", Request: "r_1", Detail: "d", Prev: "00", Hash: "ff"}
	got := roundTrip(t, viewEvent(e))
	want := api.Event{Seq: 7, Time: rtStart, Actor: "alice", Remote: "127.0.0.1:5", Transport: "http", Action: "access.write", Repo: "acme/payments",
		Target: "t", Result: "allow", Grant: "g_1", Policy: "p", Request: "r_1", Detail: "d", Prev: "00", Hash: "ff"}
	if got != want {
		t.Errorf("event: %+v", got)
	}
	if head := roundTrip(t, viewAuditHead(service.AuditHead{Seq: 7, Hash: "ff"})); head.Seq != 7 || head.Hash != "ff" {
		t.Errorf("head: %+v", head)
	}
}
