package service_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
)

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

// trail returns the audit events of the run as "action result detail".
func trail(t *testing.T, f *fixture) []string {
	t.Helper()
	evs, err := f.Svc.Events(context.Background(), f.Admin, service.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action+" "+e.Result+" "+e.Target+" "+e.Detail)
	}
	return out
}

func TestCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const token = "ghp_S3cretTokenValue0123456789"

	if _, err := f.Svc.AddCredential(ctx, f.Who(t, "alice"), service.NewCredential{Name: "bot", Kind: auth.CredentialToken, Secret: []byte(token)}); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("non-admin: %v", err)
	}
	for _, bad := range []service.NewCredential{
		{Name: "Bot", Kind: auth.CredentialToken, Secret: []byte(token)},
		{Name: "a/b", Kind: auth.CredentialToken, Secret: []byte(token)},
		{Name: "bot", Kind: auth.CredentialToken},
		{Name: "bot", Kind: auth.CredentialToken, Secret: []byte("two\nlines")},
		{Name: "bot", Kind: auth.CredentialToken, Secret: []byte(token), Username: "a:b"},
		{Name: "bot", Kind: auth.CredentialToken, Generate: true},
		{Name: "bot", Kind: "password", Secret: []byte(token)},
		{Name: "key", Kind: auth.CredentialSSHKey, Secret: []byte("not a key")},
		{Name: "key", Kind: auth.CredentialSSHKey, Secret: []byte(hostKey)},
		{Name: "key", Kind: auth.CredentialSSHKey, Generate: true, Username: "git"},
	} {
		_, err := f.Svc.AddCredential(ctx, f.Admin, bad)
		if !errors.Is(err, auth.ErrInvalid) || strings.Contains(err.Error(), token) {
			t.Errorf("%+v: %v", bad.Name, err)
		}
	}
	c, err := f.Svc.AddCredential(ctx, f.Admin, service.NewCredential{Name: "bot", Kind: auth.CredentialToken, Secret: []byte(token + "\n")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Sealed != nil || c.Username != "x-access-token" {
		t.Fatalf("added %+v", c)
	}
	if _, err := f.Svc.AddCredential(ctx, f.Admin, service.NewCredential{Name: "bot", Kind: auth.CredentialToken, Secret: []byte(token)}); !errors.Is(err, auth.ErrExists) {
		t.Fatalf("twice: %v", err)
	}
	key, err := f.Svc.AddCredential(ctx, f.Admin, service.NewCredential{Name: "deploy", Kind: auth.CredentialSSHKey, Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.PublicKey, "ssh-ed25519 AAAA") || !strings.HasPrefix(key.Fingerprint, "SHA256:") {
		t.Fatalf("generated %+v", key)
	}
	// Stored sealed: the token's bytes are nowhere in the record.
	err = f.DB.View(ctx, func(tx storage.Tx) error {
		c, err := tx.Credentials().Get("bot")
		if err == nil && (len(c.Sealed) == 0 || bytes.Contains(c.Sealed, []byte(token))) {
			err = fmt.Errorf("stored in the clear: %q", c.Sealed)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := f.Svc.ListCredentials(ctx, f.Admin)
	if err != nil || len(cs) != 2 || cs[0].Name != "bot" || cs[1].Name != "deploy" || cs[0].Sealed != nil || cs[1].Sealed != nil {
		t.Fatalf("list %+v, %v", cs, err)
	}
	if _, err := f.Svc.ListCredentials(ctx, f.Who(t, "alice")); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("non-admin list: %v", err)
	}

	// A mirror with the token: the fetch gets it opened, nobody else sees it.
	fe := &fetcher{updated: 1}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/tok", Upstream: "ssh://git@example.com/x.git", Credential: "bot", HostKeyTOFU: true}, fe); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "is a token") {
		t.Fatalf("a token for ssh: %v", err)
	}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/tok", Upstream: "https://example.com/x.git", Credential: "nobody"}, fe); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "credential add") {
		t.Fatalf("a missing credential: %v", err)
	}
	r, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/tok", Upstream: "https://example.com/x.git", Credential: "bot"}, fe)
	if err != nil || r.Credential != "bot" || r.SyncResult != "ok" {
		t.Fatalf("create %+v, %v", r, err)
	}
	if j := fe.jobs[0]; j.Credential == nil || string(j.Credential.Secret) != token || j.Credential.Username != "x-access-token" {
		t.Fatalf("the fetch got %+v", j)
	}
	if s := fmt.Sprintf("%v %+v %#v", fe.jobs[0].Credential, *fe.jobs[0].Credential, fe.jobs[0].Credential); strings.Contains(s, token) {
		t.Fatalf("a credential prints its secret: %s", s)
	}
	// The secret never reaches an error message either.
	fe.err = fmt.Errorf("fatal: unable to access: token %s refused", token)
	r, err = f.Svc.SyncMirror(ctx, f.Admin, "mirrors/tok", fe)
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(r.SyncError, token) || r.Failures != 1 {
		t.Fatalf("failed sync %+v, %v", r, err)
	}
	fe.err = nil

	// In use: not removable; free: removed.
	if err := f.Svc.RemoveCredential(ctx, f.Admin, "bot"); !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), "mirrors/tok") {
		t.Fatalf("remove in use: %v", err)
	}
	if _, err := f.Svc.AddCredential(ctx, f.Admin, service.NewCredential{Name: "bot2", Kind: auth.CredentialToken, Username: "ci", Secret: []byte("second-token")}); err != nil {
		t.Fatal(err)
	}
	bot2 := "bot2"
	if r, err = f.Svc.SetMirror(ctx, f.Admin, "mirrors/tok", service.MirrorChanges{Credential: &bot2}); err != nil || r.Credential != "bot2" || r.Failures != 0 {
		t.Fatalf("rotate %+v, %v", r, err)
	}
	if _, err := f.Svc.SyncMirror(ctx, f.Admin, "mirrors/tok", fe); err != nil {
		t.Fatal(err)
	}
	if j := fe.jobs[len(fe.jobs)-1]; string(j.Credential.Secret) != "second-token" || j.Credential.Username != "ci" {
		t.Fatalf("after rotation the fetch got %+v", j.Credential)
	}
	if err := f.Svc.RemoveCredential(ctx, f.Admin, "bot"); err != nil {
		t.Fatalf("remove unused: %v", err)
	}
	if err := f.Svc.RemoveCredential(ctx, f.Admin, "bot"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}

	for _, line := range trail(t, f) {
		if strings.Contains(line, token) || strings.Contains(line, "second-token") {
			t.Errorf("the audit trail has a secret: %s", line)
		}
	}
	want := []string{"credential.add ok credential:bot token for user x-access-token", "credential.add ok credential:deploy ssh-key SHA256:",
		"repo.mirror.set ok  credential bot2", "credential.remove ok credential:bot"}
	got := strings.Join(trail(t, f), "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in the trail:\n%s", w, got)
		}
	}
}

func TestMirrorHostKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := &fetcher{hostKeys: hostKey}
	const up = "ssh://git@example.com:2222/x.git"
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/ssh", Upstream: up}, fe); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "--host-key") {
		t.Fatalf("an ssh mirror without a host key: %v", err)
	}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/ssh", Upstream: up, HostKeys: "ssh-ed25519 garbage"}, fe); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a bad host key: %v", err)
	}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/ssh", Upstream: "https://example.com/x.git", HostKeyTOFU: true}, fe); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("host keys for https: %v", err)
	}
	// Trust on first use: learnt once, pinned after.
	r, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/ssh", Upstream: up, HostKeyTOFU: true}, fe)
	if err != nil || r.HostKeys != hostKey || !r.HostKeyTOFU {
		t.Fatalf("create %+v, %v", r, err)
	}
	if !fe.jobs[0].LearnHostKeys {
		t.Fatal("the first fetch was not asked to learn the key")
	}
	if _, err := f.Svc.SyncMirror(ctx, f.Admin, "mirrors/ssh", fe); err != nil {
		t.Fatal(err)
	}
	if j := fe.jobs[1]; j.LearnHostKeys || j.HostKeys != hostKey {
		t.Fatalf("the second fetch: %+v", j)
	}
	// A changed key fails the sync, on the record.
	fe.err = fmt.Errorf("host key changed: %w", service.ErrHostKeyChanged)
	r, err = f.Svc.SyncMirror(ctx, f.Admin, "mirrors/ssh", fe)
	if !errors.Is(err, auth.ErrUpstream) || r.SyncResult != "error" || !strings.Contains(r.SyncError, "host key changed") || r.LastSuccess.IsZero() {
		t.Fatalf("changed key: %+v, %v", r, err)
	}
	got := strings.Join(trail(t, f), "\n")
	if !strings.Contains(got, "repo.mirror.hostkey ok  host key recorded on first fetch (trust on first use): ssh-ed25519 SHA256:") ||
		!strings.Contains(got, "repo.mirror.hostkey error  host key changed") {
		t.Fatalf("trail:\n%s", got)
	}
	// Pinning the new key by hand; a new host forgets the old keys.
	key := hostKey
	if r, err = f.Svc.SetMirror(ctx, f.Admin, "mirrors/ssh", service.MirrorChanges{HostKeys: &key}); err != nil || r.HostKeyTOFU || r.Failures != 0 {
		t.Fatalf("pin: %+v, %v", r, err)
	}
	other := "ssh://git@other.example.com/x.git"
	if _, err := f.Svc.SetMirror(ctx, f.Admin, "mirrors/ssh", service.MirrorChanges{Upstream: &other}); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "host key") {
		t.Fatalf("a new host without a key: %v", err)
	}
}

func TestMirrorBackoffAndRecovery(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := &fetcher{err: errors.New("upstream unreachable")}
	r, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/flaky", Upstream: "https://example.com/x.git", Every: time.Minute}, fe)
	if err != nil {
		t.Fatal(err)
	}
	// Each failure doubles the wait, up to the ceiling.
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour} {
		at, ok := r.NextSync()
		if !ok || at.Sub(r.LastSync) != want || r.Failures != i+1 {
			t.Fatalf("after %d failures: next in %s (failures %d), want %s", i+1, at.Sub(r.LastSync), r.Failures, want)
		}
		f.Clock.Advance(want)
		r, _ = f.Svc.SyncMirror(ctx, f.Admin, "mirrors/flaky", fe)
	}
	fe.err = nil
	if r, err = f.Svc.SyncMirror(ctx, f.Admin, "mirrors/flaky", fe); err != nil {
		t.Fatal(err)
	}
	if at, _ := r.NextSync(); r.Failures != 0 || at.Sub(r.LastSync) != time.Minute || !r.LastSuccess.Equal(r.LastSync) {
		t.Fatalf("after recovery %+v", r)
	}
	// Paused: never due; resumed: due again.
	yes, no := true, false
	if r, err = f.Svc.SetMirror(ctx, f.Admin, "mirrors/flaky", service.MirrorChanges{Paused: &yes}); err != nil || r.SyncDue(r.LastSync.Add(24*time.Hour)) {
		t.Fatalf("paused %+v, %v", r, err)
	}
	if r, err = f.Svc.SetMirror(ctx, f.Admin, "mirrors/flaky", service.MirrorChanges{Paused: &no}); err != nil || !r.SyncDue(r.LastSync.Add(time.Minute)) {
		t.Fatalf("resumed %+v, %v", r, err)
	}
}

func TestRemoveMirror(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := &fetcher{}
	for _, n := range []string{"mirrors/keep", "mirrors/drop"} {
		if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: n, Upstream: "https://example.com/x.git"}, fe); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Svc.RemoveMirror(ctx, f.Admin, "mirrors/keep", 0, fe); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("no choice: %v", err)
	}
	if err := f.Svc.RemoveMirror(ctx, f.Admin, "acme/web", service.RemoveKeepReadOnly, fe); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("not a mirror: %v", err)
	}
	if err := f.Svc.RemoveMirror(ctx, f.Admin, "mirrors/keep", service.RemoveKeepReadOnly, fe); err != nil {
		t.Fatal(err)
	}
	r, err := f.Svc.Repo(ctx, f.Admin, "mirrors/keep")
	if err != nil || !r.ReadOnly || r.Mirror != "" || r.SyncDue(r.LastSync.Add(48*time.Hour)) {
		t.Fatalf("archived %+v, %v", r, err)
	}
	f.Grant(t, "user:alice", "mirrors/keep", auth.LevelWrite, time.Hour)
	if d := f.Decide(t, "alice", "mirrors/keep", auth.ActionWrite); d.Allowed || !strings.Contains(d.Reason, "read-only: a former mirror") {
		t.Fatalf("push to an archive: %+v", d)
	}
	if d := f.Decide(t, "alice", "mirrors/keep", auth.ActionRead); !d.Allowed {
		t.Fatalf("read of an archive: %+v", d)
	}
	if err := f.Svc.RemoveMirror(ctx, f.Admin, "mirrors/drop", service.RemoveDelete, fe); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Repo(ctx, f.Admin, "mirrors/drop"); !errors.Is(err, auth.ErrNotFound) || len(fe.discarded) != 1 {
		t.Fatalf("deleted: %v, discarded %q", err, fe.discarded)
	}
	got := strings.Join(trail(t, f), "\n")
	if !strings.Contains(got, "repo.mirror.remove ok  kept read-only") || !strings.Contains(got, "repo.mirror.remove ok  deleted with its files") {
		t.Fatalf("trail:\n%s", got)
	}
}
