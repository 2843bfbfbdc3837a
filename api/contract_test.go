package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestNoSecretFields reads this package's source, so a type added later
// is checked too: no type names a hash field, except the audit chain's
// digests, and only request bodies carry a password.
func TestNoSecretFields(t *testing.T) {
	chainDigests := map[string]bool{"Event": true, "AuditHead": true, "Checkpoint": true}
	passwordBodies := map[string]bool{"NewUser": true, "PasswordChange": true}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	types := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			types++
			for _, f := range st.Fields.List {
				name := ""
				if f.Tag != nil {
					name, _, _ = strings.Cut(reflect.StructTag(strings.Trim(f.Tag.Value, "`")).Get("json"), ",")
				}
				switch {
				case strings.Contains(name, "hash") && !((name == "hash" || name == "hash_version") && chainDigests[ts.Name.Name]):
					t.Errorf("%s has a field %q", ts.Name.Name, name)
				case strings.Contains(name, "password") && !passwordBodies[ts.Name.Name]:
					t.Errorf("%s has a field %q", ts.Name.Name, name)
				}
			}
			return true
		})
	}
	if types < 20 {
		t.Fatalf("read %d struct types; is the test reading this package?", types)
	}
}

func TestEndpointURL(t *testing.T) {
	if got := RevokeToken.URL("al ice", "t/1"); got != "/api/v1/users/al%20ice/tokens/t%2F1/revoke" {
		t.Errorf("RevokeToken.URL = %q", got)
	}
	if got := ListUsers.URL(); got != "/api/v1/users" {
		t.Errorf("ListUsers.URL = %q", got)
	}
	if got := SyncRepo.Pattern(); got != "POST /api/v1/repos/{owner}/{name}/sync" {
		t.Errorf("SyncRepo.Pattern = %q", got)
	}
	for _, args := range [][]string{{}, {"a", "b"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("GetGrant.URL(%q) did not panic", args)
				}
			}()
			GetGrant.URL(args...)
		}()
	}
}
