package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// TestBulkUnknownUsers: a file naming ten thousand unknown users gets one
// reason per line, with the line's number, and writes nothing.
func TestBulkUnknownUsers(t *testing.T) {
	f := servicetest.New(t)
	var b strings.Builder
	b.WriteString("subject,repo,access,for,reason\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "user:ghost%d,acme/web,read,1h,x\n", i)
	}
	res, err := f.Svc.BulkGrants(context.Background(), f.Admin, strings.NewReader(b.String()), service.BulkOptions{})
	if !errors.Is(err, service.ErrBulkInvalid) || res.Invalid != 10000 || res.Written {
		t.Fatalf("BulkGrants = %d invalid, written %t, %v", res.Invalid, res.Written, err)
	}
	if l := res.Lines[9999]; l.Line != 10001 || !strings.Contains(l.Error, `unknown user "ghost9999"`) {
		t.Fatalf("last line = %+v", l)
	}
}

// TestBulkFormatsAndExtend: JSON lines are detected, a re-run is
// unchanged, --extend replaces the running grant with a longer one and
// ends the old.
func TestBulkFormatsAndExtend(t *testing.T) {
	f := servicetest.New(t)
	ctx := context.Background()
	jsonl := `{"subject":"user:alice","repo":"acme/web","access":"read","for":"1h","reason":"a"}` + "\n"
	res, err := f.Svc.BulkGrants(ctx, f.Admin, strings.NewReader(jsonl), service.BulkOptions{})
	if err != nil || res.Format != service.FormatJSONL || res.New != 1 || res.Batch == "" {
		t.Fatalf("first run = %+v, %v", res, err)
	}
	first := res.Lines[0].Grant
	res, err = f.Svc.BulkGrants(ctx, f.Admin, strings.NewReader(jsonl), service.BulkOptions{})
	if err != nil || res.Unchanged != 1 || res.Batch != "" {
		t.Fatalf("re-run = %+v, %v", res, err)
	}
	longer := strings.Replace(jsonl, `"1h"`, `"3h"`, 1)
	res, err = f.Svc.BulkGrants(ctx, f.Admin, strings.NewReader(longer), service.BulkOptions{Extend: true})
	if err != nil || res.Extended != 1 || res.Lines[0].Extends != first {
		t.Fatalf("extend = %+v, %v", res, err)
	}
	gs, err := f.Svc.ListGrants(ctx, f.Admin, service.GrantFilter{User: "alice"})
	if err != nil || len(gs) != 1 || gs[0].ID == first || gs[0].Batch != res.Batch {
		t.Fatalf("after extend: %+v, %v", gs, err)
	}
	old, err := f.Svc.Grant(ctx, f.Admin, first)
	if err != nil || old.Ended.IsZero() {
		t.Fatalf("replaced grant = %+v, %v; want ended", old, err)
	}
	// Revoking the batch ends its grant, and only it.
	revoked, err := f.Svc.RevokeGrants(ctx, f.Admin, service.GrantFilter{Batch: res.Batch}, "undo")
	if err != nil || len(revoked) != 1 {
		t.Fatalf("RevokeGrants = %v, %v", revoked, err)
	}
}
