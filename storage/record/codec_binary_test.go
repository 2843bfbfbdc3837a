package record

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// t0 is the instant the test records are built around.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fullGrant sets every field, with times in UTC, a fixed zone and
// nanoseconds.
func fullGrant() auth.Grant {
	return auth.Grant{
		ID: "g_01", Subject: "group:sre", Repo: "acme/*", Level: auth.LevelAdmin,
		Starts:    t0.Add(123456789 * time.Nanosecond),
		Expires:   t0.Add(7 * 24 * time.Hour).In(time.FixedZone("", 2*3600)),
		Reason:    "incident OPS-1 — ünïcode and\nnewlines",
		Origin:    auth.OriginRequest,
		Request:   "r_01",
		CreatedBy: "bob",
		Created:   t0.Add(-time.Minute),
		Ended:     t0.Add(time.Hour),
		EndedBy:   "carol",
		EndNote:   "done early",
	}
}

func TestGrantCodecRoundTrip(t *testing.T) {
	for name, g := range map[string]auth.Grant{
		"every field": fullGrant(),
		"zero times":  {ID: "g_02", Subject: "user:alice", Repo: "acme/app", Level: auth.LevelRead},
		"zero":        {},
		"odd level":   {ID: "g_03", Level: auth.Level(-7)},
		"local time":  {ID: "g_04", Starts: time.Unix(1700000000, 5).Local(), Expires: time.Unix(1<<40, 0).UTC()},
	} {
		b, err := Encode(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b[0] != codecGrant {
			t.Fatalf("%s: codec %d, want %d", name, b[0], codecGrant)
		}
		var got auth.Grant
		if err := Decode(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, g) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", name, got, g)
		}
		// The decoded strings must not share the buffer they came from.
		clear(b)
		if !reflect.DeepEqual(got, g) {
			t.Errorf("%s: decoded grant changed with its buffer", name)
		}
	}
	g := fullGrant()
	if end := g.End(); !end.Equal(g.Ended) {
		t.Fatalf("End = %v, want the Ended time %v", end, g.Ended)
	}
}

func TestPolicyCodecRoundTrip(t *testing.T) {
	for name, p := range map[string]auth.Policy{
		"every field": {ID: "p1", Description: "sre approve", Subjects: []string{"group:sre", "user:alice"},
			Repos: []string{"acme/*", "*"}, Effect: auth.Deny, Level: auth.LevelWrite, Approve: true,
			AutoMax: 90 * time.Minute, AutoLevel: auth.LevelRead, Approvals: 2, Source: "config"},
		"empty lists": {ID: "p2", Subjects: []string{}, Repos: []string{""}, Effect: auth.Allow, AutoMax: -1},
		"zero":        {},
	} {
		b, err := Encode(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b[0] != codecPolicy {
			t.Fatalf("%s: codec %d, want %d", name, b[0], codecPolicy)
		}
		var got auth.Policy
		if err := Decode(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", name, got, p)
		}
	}
}

func TestBinaryCodecRejectsDamage(t *testing.T) {
	gb, err := Encode(fullGrant())
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Encode(auth.Policy{ID: "p", Subjects: []string{"anyone"}, Repos: []string{"*"}, Effect: auth.Allow})
	if err != nil {
		t.Fatal(err)
	}
	var g auth.Grant
	var p auth.Policy
	for i := 1; i < len(gb); i++ {
		if Decode(gb[:i], &g) == nil {
			t.Errorf("grant cut to %d of %d bytes decoded", i, len(gb))
		}
	}
	for i := 1; i < len(pb); i++ {
		if Decode(pb[:i], &p) == nil {
			t.Errorf("policy cut to %d of %d bytes decoded", i, len(pb))
		}
	}
	if Decode(append(bytes.Clone(gb), 0), &g) == nil {
		t.Error("grant with a trailing byte decoded")
	}
	if Decode(gb, &p) == nil || Decode(pb, &g) == nil {
		t.Error("a grant decoded as a policy or the other way round")
	}
	if Decode([]byte{9, 1, 2}, &g) == nil {
		t.Error("unknown codec decoded")
	}
}
