package record

import (
	"bytes"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// fixedAt is the instant of the golden records: nanoseconds set, in UTC so
// that records in JSON decode into the same location whatever TZ is.
var fixedAt = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

// fixtures are the golden records: every field of every stored type set,
// with strings that JSON would escape. They must never change, since the
// files in testdata were written from them.
func fixtures() map[string]any {
	return map[string]any{
		"user": auth.User{
			Name: "alice", PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
			Groups: []string{"sre", "dev"}, Admin: true, Approver: true, Disabled: true,
			Created: fixedAt, SessionsAfter: fixedAt.Add(time.Hour),
		},
		"token": auth.Token{
			ID: "t_01", User: "alice", Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Name: "ci <deploy> & co", Created: fixedAt, Expires: fixedAt.Add(90 * 24 * time.Hour), Revoked: true,
		},
		"key": auth.Key{
			Fingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", User: "alice", Type: "ssh-ed25519",
			Comment: "alice@laptop", Authorized: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop",
			Created: fixedAt,
		},
		"repo": auth.Repo{
			Name: "acme/app", Description: "the app — ünïcode\nand newlines", Mirror: "https://example.com/acme/app.git",
			Created: fixedAt, CreatedBy: "admin", Every: 90 * time.Minute, LastSync: fixedAt.Add(time.Minute),
			SyncResult: "error", SyncError: "fetch: exit status 128", SyncUpdated: 3,
		},
		"grant": auth.Grant{
			ID: "g_01", Subject: "group:sre", Repo: "acme/*", Level: auth.LevelAdmin,
			Starts: fixedAt, Expires: fixedAt.Add(7 * 24 * time.Hour), Reason: "incident OPS-1 — ünïcode and\nnewlines",
			Origin: auth.OriginRequest, Request: "r_01", CreatedBy: "bob", Created: fixedAt.Add(-time.Minute),
			Ended: fixedAt.Add(time.Hour), EndedBy: "carol", EndNote: "done early",
		},
		"policy": auth.Policy{
			ID: "p_01", Description: "sre approve", Subjects: []string{"group:sre", "user:alice"},
			Repos: []string{"acme/*", "*"}, Effect: auth.Deny, Level: auth.LevelWrite, Approve: true,
			AutoMax: 90 * time.Minute, AutoLevel: auth.LevelRead, Approvals: 2, Source: "config",
		},
		"request": auth.Request{
			ID: "r_01", Requester: "alice", Repo: "acme/app", Level: auth.LevelWrite, Duration: 2 * time.Hour,
			Reason: "deploy <fix>", Ticket: "OPS-1", Status: auth.StatusApproved, Created: fixedAt,
			Expires: fixedAt.Add(24 * time.Hour), Needed: 2,
			Reviews: []auth.Review{
				{By: "bob", Approved: true, Duration: time.Hour, Comment: "ok", At: fixedAt.Add(time.Minute)},
				{By: "carol", Approved: false, At: fixedAt.Add(2 * time.Minute)},
			},
			Decided: fixedAt.Add(3 * time.Minute), DenyNote: "not now", Grant: "g_01", Extends: "g_00", AutoRule: "p_01",
		},
		"protection": auth.Protection{
			ID: "main", Description: "the default branch — ünïcode", Repo: "acme/*", Ref: "refs/heads/main",
			Forbid: auth.ChangeForce | auth.ChangeDelete, Source: "config",
		},
		"session": auth.Session{
			Hash: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", User: "alice",
			CSRF: "c5rf", Created: fixedAt, Expires: fixedAt.Add(12 * time.Hour),
		},
		"event": audit.Event{
			Seq: 7, Time: fixedAt, Actor: "alice", Remote: "192.0.2.1:5555", Transport: "ssh",
			Action: "access.write", Repo: "acme/app", Target: "user:bob", Result: "deny", Grant: "g_01",
			Policy: "p_01", Request: "r_01", Detail: "no grant <for> \"write\" & more",
			Prev: "0000000000000000000000000000000000000000000000000000000000000001",
			Hash: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		},
		"batch": storage.Batch{
			ID: "b_01", State: storage.BatchDone, CreatedBy: "admin", Created: fixedAt, Committed: fixedAt.Add(time.Second),
			Grants: 100000, Replaced: 12, Note: "oncall.csv — ünïcode",
		},
		"credential": auth.Credential{
			Name: "deploy-app", Kind: auth.CredentialSSHKey, Username: "git <bot>",
			PublicKey:   "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl deploy-app",
			Fingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
			Sealed:      []byte{0, 1, 2, 0xfe, 0xff, '\n'}, Created: fixedAt, CreatedBy: "admin", Updated: fixedAt.Add(time.Hour),
		},
		"audithead": AuditHead{Seq: 7, Hash: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
		"delivery": storage.Delivery{
			Receiver: "chat", Seq: 7, Action: "grant.create", Status: storage.DeliveryRetrying, Attempts: 3,
			First: fixedAt, Last: fixedAt.Add(time.Minute), Delivered: fixedAt.Add(2 * time.Minute),
			Code: 503, Error: "receiver answered 503 Service Unavailable",
		},
		"cursor": Cursor{Seq: 7},
		"checkpoint": audit.Checkpoint{Seq: 7, Hash: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", Time: fixedAt.UTC(),
			Key: "5f2a", Signature: bytes.Repeat([]byte{0xa5, 0x00}, 32)},
	}
}
