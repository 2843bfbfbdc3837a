package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestParseSSHCommand(t *testing.T) {
	for _, tc := range []struct {
		command string
		svc     Service
		repo    string
	}{
		{"git-upload-pack '/acme/payments.git'", UploadPack, "acme/payments"},
		{"git-upload-pack 'acme/payments.git'", UploadPack, "acme/payments"},
		{"git-upload-pack 'acme/payments'", UploadPack, "acme/payments"},
		{"git-receive-pack '/acme/payments.git'", ReceivePack, "acme/payments"},
		{"git-upload-archive '/acme/payments.git'", UploadArchive, "acme/payments"},
		{"git upload-pack '/acme/payments.git'", UploadPack, "acme/payments"},
		{"git receive-pack 'acme/payments'", ReceivePack, "acme/payments"},
		{"git upload-archive 'acme/payments'", UploadArchive, "acme/payments"},
		{"git-upload-pack 'a-1/x_y.z.git'", UploadPack, "a-1/x_y.z"},
	} {
		svc, repo, err := ParseSSHCommand(tc.command)
		if err != nil || svc != tc.svc || repo != tc.repo {
			t.Errorf("%q: %q %q %v; want %q %q", tc.command, svc, repo, err, tc.svc, tc.repo)
		}
	}
	for _, command := range []string{
		"", "git-upload-pack", "git-upload-pack ''", "git-upload-pack '/'", "git-upload-pack acme/payments",
		"git-upload-pack 'acme/payments", "git-upload-pack acme/payments'", "git-upload-pack 'acme/payments' ",
		"git-upload-pack 'acme/payments';id", "git-upload-pack 'acme/payments'|id", "git-upload-pack 'a/b' 'c/d'",
		"git-upload-pack 'acme/payments'\n", "git-upload-pack 'acme/pay\x00ments'", "git-upload-pack 'acme/pay ments'",
		"git-upload-pack '-u/x'", "git-upload-pack 'acme/-x'", "git-upload-pack '--help'", "git-upload-pack '../../x/y'",
		"git-upload-pack 'acme/../y'", "git-upload-pack '//acme/payments'", "git-upload-pack './acme/payments'",
		"git-upload-pack 'acme/%70ayments'", "git-upload-pack 'acme/$(id)'", "git-upload-pack 'acme/`id`'",
		"git-upload-pack 'acme/a'\\''b'", "git-upload-pack 'ACME/payments'", "git-upload-pack 'acme/payments/x'",
		"git-upload-pack\t'acme/payments'", "git  upload-pack 'acme/payments'", "git-upload-packx 'acme/payments'",
		"git-upload-pack  'acme/payments'", " git-upload-pack 'acme/payments'", "git-shell -c 'acme/payments'",
		"scp -t 'acme/payments'", "git-upload-pack 'acme/payments.git.git'", "git-upload-pack '" + strings.Repeat("a/", 600) + "'",
	} {
		svc, repo, err := ParseSSHCommand(command)
		if err == nil || !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("%q: accepted as %q %q (err %v)", command, svc, repo, err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x00\n") {
			t.Errorf("%q: error carries control bytes: %q", command, err)
		}
	}
}

// FuzzParseSSHCommand checks that whatever is accepted names a known service
// and a canonical repository that stays under the root, and that the
// command is exactly what git would send for it.
func FuzzParseSSHCommand(f *testing.F) {
	for _, s := range []string{
		"git-upload-pack '/acme/payments.git'", "git receive-pack 'acme/payments'", "git-upload-archive 'a/b'",
		"git-upload-pack '../x'", "git-upload-pack 'a/b'; id", "git-upload-pack '-x/y'", "git-upload-pack 'a/%2e%2e'",
		"git-upload-pack 'a/b\n'", "git-upload-pack 'a/b' 'c/d'",
	} {
		f.Add(s)
	}
	repos := &Repos{Root: "/srv/repos"}
	f.Fuzz(func(t *testing.T, command string) {
		svc, repo, err := ParseSSHCommand(command)
		if err != nil {
			if svc != "" || repo != "" || !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("%q: error %v with %q %q", command, err, svc, repo)
			}
			return
		}
		if svc != UploadPack && svc != ReceivePack && svc != UploadArchive {
			t.Fatalf("%q: service %q", command, svc)
		}
		if canon, err := auth.CanonicalRepo(repo); err != nil || canon != repo {
			t.Fatalf("%q: repository %q is not canonical", command, repo)
		}
		p, err := repos.Path(repo)
		if err != nil || !strings.HasPrefix(p, "/srv/repos/") || strings.Contains(p, "..") {
			t.Fatalf("%q: path %q %v", command, p, err)
		}
		if strings.ContainsAny(command, "\x00\n\r;|&$`\\\"") || strings.Count(command, "'") != 2 {
			t.Fatalf("%q accepted", command)
		}
		program, quoted, _ := strings.Cut(command, " '")
		if strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(quoted, "'"), "/"), ".git") != repo {
			t.Fatalf("%q: repository %q is not the quoted argument", command, repo)
		}
		if strings.TrimPrefix(strings.Replace(program, " ", "-", 1), "git-") != string(svc) {
			t.Fatalf("%q: program %q runs %q", command, program, svc)
		}
	})
}
