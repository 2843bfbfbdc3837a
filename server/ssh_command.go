package server

import (
	"fmt"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// maxSSHCommand bounds an SSH exec command before any work is done on it.
const maxSSHCommand = 1024

// sshServices maps the program names an SSH client may ask for, in the dashed
// and the spaced spelling, to the service they run.
var sshServices = map[string]Service{
	"git-upload-pack":    UploadPack,
	"git-receive-pack":   ReceivePack,
	"git-upload-archive": UploadArchive,
	"git upload-pack":    UploadPack,
	"git receive-pack":   ReceivePack,
	"git upload-archive": UploadArchive,
}

// ParseSSHCommand parses the command of an SSH exec request into the service
// to run and the canonical repository name. The grammar is exactly
//
//	command = program " '" path "'"
//	program = "git-upload-pack" | "git-receive-pack" | "git-upload-archive"
//	        | "git upload-pack" | "git receive-pack" | "git upload-archive"
//
// with the path single-quoted as git sends it; it may start with one '/' and
// is resolved by ResolveRepo. The path may not contain a quote or '%' (git
// never escapes a valid repository name, so neither can be part of one).
// Everything else is refused: other programs, extra arguments, shell
// metacharacters, control bytes, a path starting with '-' or leaving the
// repository root. Errors wrap auth.ErrInvalid and are safe to show to the
// client.
func ParseSSHCommand(command string) (Service, string, error) {
	bad := func(why string) (Service, string, error) {
		return "", "", fmt.Errorf("%w: SSH command %q: %s", auth.ErrInvalid, printableASCII(command), why)
	}
	if len(command) > maxSSHCommand {
		return bad("too long")
	}
	program, arg, ok := strings.Cut(command, " '")
	if !ok {
		if _, known := sshServices[command]; known {
			return bad("name the repository: " + command + " 'owner/name.git'")
		}
		return bad("only git-upload-pack, git-receive-pack and git-upload-archive 'owner/name.git' run here; there is no shell")
	}
	svc, ok := sshServices[program]
	if !ok {
		return bad("only git-upload-pack, git-receive-pack and git-upload-archive 'owner/name.git' run here; there is no shell")
	}
	path, ok := strings.CutSuffix(arg, "'")
	if !ok {
		return bad("the repository must be the single-quoted last argument")
	}
	if strings.ContainsAny(path, "'%") {
		return bad("the repository may contain no quote or '%'")
	}
	name, err := ResolveRepo(path)
	if err != nil {
		return "", "", fmt.Errorf("SSH command: %w", err)
	}
	return svc, name, nil
}
