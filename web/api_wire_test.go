package web

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

var updateWire = flag.Bool("update-wire", false, "rewrite testdata/api_wire.golden from the running API")

// wireCall is one API call of the wire walk and the JSON it answered.
type wireCall struct {
	name string // method and route, as the golden file names it
	body json.RawMessage
}

// walkAPI calls every JSON endpoint of /api/v1 once, with data that sets
// as many fields as a response can carry, and returns the answers.
func walkAPI(t *testing.T) []wireCall {
	t.Helper()
	s := newStack(t, Options{Mirrors: &fakeFetcher{}})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.user("root", false, true)
	ctx := context.Background()
	if err := s.svc.SyncPolicies(ctx, "config", []auth.Policy{
		{ID: "auto-docs", Description: "docs are quick", Subjects: []string{"users"}, Repos: []string{"docs/*"}, Effect: auth.Allow, AutoMax: time.Hour, AutoLevel: auth.LevelRead},
		{ID: "sre-approves", Subjects: []string{"group:sre"}, Repos: []string{"vault/*"}, Effect: auth.Allow, Approve: true, Approvals: 2},
		{ID: "public-read", Subjects: []string{"anyone"}, Repos: []string{"public/*"}, Effect: auth.Allow, Level: auth.LevelRead},
	}); err != nil {
		t.Fatal(err)
	}
	alice, bob, root := s.token("alice"), s.token("bob"), s.token("root")
	var calls []wireCall
	call := func(name, token, method, path, body string, want int) json.RawMessage {
		t.Helper()
		var raw json.RawMessage
		if st := s.apiCall(token, method, path, body, &raw); st != want {
			t.Fatalf("%s: status %d, want %d: %s", name, st, want, raw)
		}
		calls = append(calls, wireCall{name, raw})
		return raw
	}
	id := func(raw json.RawMessage) string {
		var v struct{ ID string }
		if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" {
			t.Fatalf("no id in %s", raw)
		}
		return v.ID
	}
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"

	call("GET /api/v1/whoami", root, "GET", "/api/v1/whoami", "", 200)
	call("POST /api/v1/users", root, "POST", "/api/v1/users", `{"name":"carol","password":"carol-password","groups":["sre"],"approver":true}`, 201)
	call("POST /api/v1/users/{name}", root, "POST", "/api/v1/users/carol", `{"disabled":true}`, 200)
	call("GET /api/v1/users", root, "GET", "/api/v1/users", "", 200)
	call("POST /api/v1/users/{name}/password", root, "POST", "/api/v1/users/carol/password", `{"password":"another-password"}`, 200)
	tok := call("POST /api/v1/users/{name}/tokens", root, "POST", "/api/v1/users/alice/tokens", `{"name":"laptop","expires":"30d"}`, 201)
	call("POST /api/v1/users/{name}/tokens/{id}/revoke", root, "POST", "/api/v1/users/alice/tokens/"+id(tok)+"/revoke", "", 200)
	call("GET /api/v1/users/{name}/tokens", root, "GET", "/api/v1/users/alice/tokens", "", 200)
	k := call("POST /api/v1/users/{name}/keys", root, "POST", "/api/v1/users/alice/keys", fmt.Sprintf(`{"key":%q}`, key), 201)
	call("GET /api/v1/users/{name}/keys", root, "GET", "/api/v1/users/alice/keys", "", 200)
	call("POST /api/v1/users/{name}/keys/remove", root, "POST", "/api/v1/users/alice/keys/remove", fmt.Sprintf(`{"fingerprint":%q}`, fingerprint(t, k)), 200)
	call("POST /api/v1/repos", root, "POST", "/api/v1/repos", `{"name":"acme/payments","description":"money"}`, 201)
	s.repo("docs/site")
	call("POST /api/v1/repos (mirror)", root, "POST", "/api/v1/repos", `{"name":"mirrors/infra","mirror":"https://git.example.com/infra.git","every":"30m"}`, 201)
	call("POST /api/v1/repos/{owner}/{name}/sync", root, "POST", "/api/v1/repos/mirrors/infra/sync", "", 200)
	call("GET /api/v1/repos", root, "GET", "/api/v1/repos", "", 200)
	g := call("POST /api/v1/grants", root, "POST", "/api/v1/grants", `{"user":"alice","repo":"acme/payments","access":"write","duration":"2h","reason":"INC-42"}`, 201)
	call("POST /api/v1/grants/bulk", root, "POST", "/api/v1/grants/bulk", `{"grants":[{"group":"sre","repo":"acme/*","access":"read","duration":"1h"}]}`, 201)
	call("GET /api/v1/grants/{id}", root, "GET", "/api/v1/grants/"+id(g), "", 200)
	call("GET /api/v1/grants", root, "GET", "/api/v1/grants", "", 200)
	call("GET /api/v1/access/check", root, "GET", "/api/v1/access/check?user=alice&repo=acme/payments&access=write", "", 200)
	call("POST /api/v1/grants/{id}/relinquish", alice, "POST", "/api/v1/grants/"+id(g)+"/relinquish", "", 200)
	g2 := call("POST /api/v1/grants (again)", root, "POST", "/api/v1/grants", `{"user":"alice","repo":"acme/payments","access":"read","duration":"1h"}`, 201)
	call("POST /api/v1/grants/{id}/revoke", root, "POST", "/api/v1/grants/"+id(g2)+"/revoke", `{"reason":"done"}`, 200)
	call("GET /api/v1/grants?all=1", root, "GET", "/api/v1/grants?all=1", "", 200)
	call("GET /api/v1/grants/page", root, "GET", "/api/v1/grants/page?all=1", "", 200)
	call("GET /api/v1/grants/page (one of more)", root, "GET", "/api/v1/grants/page?group=sre&limit=1", "", 200)
	call("GET /api/v1/policies", root, "GET", "/api/v1/policies", "", 200)
	r := call("POST /api/v1/requests", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"write","duration":"2h","reason":"INC-43","ticket":"INC-43"}`, 201)
	call("POST /api/v1/requests/{id}/approve", bob, "POST", "/api/v1/requests/"+id(r)+"/approve", `{"duration":"1h","comment":"one hour"}`, 200)
	call("GET /api/v1/requests/{id}", alice, "GET", "/api/v1/requests/"+id(r), "", 200)
	var approved struct{ Grant string }
	if err := json.Unmarshal(calls[len(calls)-1].body, &approved); err != nil || approved.Grant == "" {
		t.Fatalf("no grant in %s", calls[len(calls)-1].body)
	}
	call("POST /api/v1/requests (extends)", alice, "POST", "/api/v1/requests", fmt.Sprintf(`{"repo":"acme/payments","access":"write","duration":"1h","reason":"more","extends":%q}`, approved.Grant), 201)
	r2 := call("POST /api/v1/requests (to deny)", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"look"}`, 201)
	call("POST /api/v1/requests/{id}/deny", bob, "POST", "/api/v1/requests/"+id(r2)+"/deny", `{"reason":"use the docs"}`, 200)
	r3 := call("POST /api/v1/requests (to cancel)", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"x"}`, 201)
	call("POST /api/v1/requests/{id}/cancel", alice, "POST", "/api/v1/requests/"+id(r3)+"/cancel", "", 200)
	call("POST /api/v1/requests (auto-approved)", alice, "POST", "/api/v1/requests", `{"repo":"docs/site","access":"read","duration":"30m","reason":"typo"}`, 201)
	call("GET /api/v1/requests", bob, "GET", "/api/v1/requests", "", 200)
	call("GET /api/v1/requests/page", bob, "GET", "/api/v1/requests/page", "", 200)
	call("GET /api/v1/audit", root, "GET", "/api/v1/audit", "", 200)
	call("GET /api/v1/audit/verify", root, "GET", "/api/v1/audit/verify", "", 200)
	call("error", alice, "GET", "/api/v1/audit", "", http.StatusForbidden)
	return calls
}

func fingerprint(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var k struct{ Fingerprint string }
	if err := json.Unmarshal(raw, &k); err != nil || k.Fingerprint == "" {
		t.Fatalf("no fingerprint in %s", raw)
	}
	return k.Fingerprint
}

// fieldPaths lists the field names of a JSON document as dotted paths,
// "[]" standing for any element of an array, each with its JSON type.
func fieldPaths(raw json.RawMessage) []string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := prefix + "." + k
				seen[p+" "+kind(e)] = true
				walk(p, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// kind names the JSON type of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// TestAPIWireFields pins the field names every endpoint answers with:
// scripts read them, so a change here is a change of the contract.
func TestAPIWireFields(t *testing.T) {
	var b strings.Builder
	for _, c := range walkAPI(t) {
		for _, p := range fieldPaths(c.body) {
			fmt.Fprintf(&b, "%s\t%s\n", c.name, p)
		}
	}
	golden := filepath.Join("testdata", "api_wire.golden")
	if *updateWire {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for _, l := range gl {
			if !slices.Contains(wl, l) {
				t.Errorf("new on the wire: %q", l)
			}
		}
		for _, l := range wl {
			if !slices.Contains(gl, l) {
				t.Errorf("gone from the wire: %q", l)
			}
		}
		t.Errorf("the API's fields differ from %s (go test ./web -run TestAPIWireFields -update-wire rewrites it)", golden)
	}
}

// TestAPIAnswersCarryNoHashes: no answer names a password or a password
// or token hash, not even empty. The audit trail's own hash chain is the
// one "hash" that belongs on the wire: auditors note and compare it.
func TestAPIAnswersCarryNoHashes(t *testing.T) {
	for _, c := range walkAPI(t) {
		audited := strings.HasPrefix(c.name, "GET /api/v1/audit")
		for _, p := range fieldPaths(c.body) {
			path, _, _ := strings.Cut(p, " ")
			field := path[strings.LastIndexAny(path, ".]")+1:]
			switch {
			case field == "password_hash", field == "password", field == "secret":
				t.Errorf("%s answers with %s", c.name, path)
			case field == "hash" && !audited:
				t.Errorf("%s answers with %s", c.name, path)
			}
		}
	}
}
