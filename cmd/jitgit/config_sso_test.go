package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSSOConfig(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(writeConfig(t, `
[oidc]
name = "Acme"
issuer = "https://idp.example.com/realms/acme"
client_id = "jitgit"
client_secret_file = "`+secret+`"
groups_claim = "groups"
allowed_groups = ["engineering"]
create_users = true
password_signin = false
step_up_max_age = "10m"

[tokens]
default_lifetime = "7d"
max_lifetime = "30d"

[[trust]]
id = "deploy"
issuer = "https://token.actions.githubusercontent.com"
audience = "https://git.example.com"
user = "ci-deploy"
claims = { repository = "acme/app", ref = "refs/heads/main" }
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SSO == nil || cfg.SSO.ClientSecret != "s3cret" || cfg.SSO.StepUpMaxAge != 10*time.Minute || !cfg.Auth.NoPasswords {
		t.Errorf("oidc: %+v, no passwords %v", cfg.SSO, cfg.Auth.NoPasswords)
	}
	if cfg.Auth.TokenDefault != 7*24*time.Hour || cfg.Auth.TokenMax != 30*24*time.Hour || cfg.Auth.TokenNever {
		t.Errorf("tokens: %+v", cfg.Auth)
	}
	if cfg.Workloads == nil || len(cfg.Workloads.Rules) != 1 || cfg.Workloads.Rules[0].MaxLifetime != 15*time.Minute {
		t.Errorf("trust: %+v", cfg.Workloads)
	}
}

// TestSSOConfigRefused: each mistake stops the start with a message naming
// the key.
func TestSSOConfigRefused(t *testing.T) {
	t.Setenv("EMPTY_SECRET", "")
	t.Setenv("GOOD_SECRET", "s3cret")
	oidc := "[oidc]\nissuer = \"https://idp.example.com\"\nclient_id = \"jitgit\"\n"
	for _, tc := range []struct{ text, want string }{
		{oidc, "client_secret_file"},
		{oidc + "client_secret_env = \"EMPTY_SECRET\"\n", "EMPTY_SECRET is empty"},
		{oidc + "client_secret_env = \"X\"\nclient_secret_file = \"/x\"\n", "not both"},
		{oidc + "client_secret_file = \"/nonexistent/secret\"\n", "oidc.client_secret_file"},
		{"[oidc]\nclient_id = \"jitgit\"\n", "issuer is required"},
		{oidc + "client_secret_env = \"GOOD_SECRET\"\nalgorithms = [\"HS256\"]\n", "\"HS256\" is not allowed"},
		{oidc + "client_secret_env = \"GOOD_SECRET\"\nclock_skew = \"1h\"\n", "oidc.clock_skew"},
		{"[oidc]\npassword_signin = false\n", "needs an [oidc] issuer"},
		{"[oidc]\nissuer = \"https://x\"\nusername = \"sub\"\n", "unknown keys oidc.username"},
		{"[tokens]\ndefault_lifetime = \"60d\"\nmax_lifetime = \"30d\"\n", "longer than tokens.max_lifetime"},
		{"[tokens]\nmax_lifetime = \"400d\"\n", "tokens.max_lifetime"},
		{"[[trust]]\nid = \"a\"\nissuer = \"https://x\"\naudience = \"y\"\nuser = \"ci\"\n", "claims are required"},
		{"[[trust]]\nid = \"a\"\nissuer = \"https://x\"\naudience = \"y\"\nuser = \"ci\"\nclaims = { ref = \"main\" }\nwhile = \"always\"\n", "while \"always\""},
		{"[[trust]]\nid = \"a\"\nissuer = \"ftp://x\"\naudience = \"y\"\nuser = \"ci\"\nclaims = { ref = \"main\" }\n", "issuer \"ftp://x\""},
		{"[[trust]]\nid = \"a\"\nissuer = \"https://x\"\naudience = \"y\"\nuser = \"ci\"\nclaims = { ref = \"main\" }\nmax_lifetime = \"2d\"\n", "max_lifetime"},
	} {
		_, err := loadConfig(writeConfig(t, tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.text, err, tc.want)
		}
	}
}
