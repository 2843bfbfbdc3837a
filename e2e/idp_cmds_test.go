package e2e

import (
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/jitgit/jitgit/sso/ssotest"
)

// idps are the identity providers the scripts started, one per script.
var idps sync.Map // *testscript.TestScript → *ssotest.Provider

func init() {
	// idp start FILE runs a real OpenID provider in the test process for
	// this script and writes its issuer URL over every $IDP_ISSUER in
	// FILE (a config the server is then started with).
	commands["idp"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 || args[0] != "start" {
			ts.Fatalf("usage: idp start CONFIGFILE")
		}
		p, err := ssotest.New("jitgit", "e2e-client-secret")
		if err != nil {
			ts.Fatalf("start provider: %v", err)
		}
		ts.Defer(p.Close)
		idps.Store(ts, p)
		file := ts.MkAbs(args[1])
		b, err := os.ReadFile(file)
		ts.Check(err)
		ts.Check(os.WriteFile(file, []byte(strings.ReplaceAll(string(b), "$IDP_ISSUER", p.Issuer)), 0o600))
		ts.Setenv("IDP_ISSUER", p.Issuer)
	}
	// idtoken [-forged] FILE AUDIENCE TTL [CLAIM=VALUE...] writes an
	// identity token of the script's provider, as a CI platform issues
	// them: subject "job", the claims given, living TTL from now (real
	// time, as the provider's clock is). -forged signs it with a key the
	// provider never published.
	commands["idtoken"] = func(ts *testscript.TestScript, neg bool, args []string) {
		forged := len(args) > 0 && args[0] == "-forged"
		if forged {
			args = args[1:]
		}
		if neg || len(args) < 3 {
			ts.Fatalf("usage: idtoken [-forged] FILE AUDIENCE TTL [CLAIM=VALUE...]")
		}
		v, ok := idps.Load(ts)
		if !ok {
			ts.Fatalf("idtoken: no provider; run idp start first")
		}
		p := v.(*ssotest.Provider)
		ttl, err := time.ParseDuration(args[2])
		ts.Check(err)
		extra := map[string]any{}
		for _, kv := range args[3:] {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				ts.Fatalf("idtoken: claim %q is not NAME=VALUE", kv)
			}
			extra[k] = val
		}
		claims := p.Claims("job", args[1], ttl, extra)
		raw := p.Sign(claims)
		if forged {
			raw = p.SignWithOtherKey(claims)
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(raw+"\n"), 0o600))
	}
}
