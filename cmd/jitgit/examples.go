package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// examples are the --help examples of the commands whose definitions
// carry none, by their full name ("repo create").
var examples = map[string]string{
	"serve":              "jitgit serve --config /etc/jitgit.toml --data /var/lib/jitgit",
	"store":              "jitgit store migrate --from badger:/var/lib/jitgit --to 'etcd:https://etcd1:2379,https://etcd2:2379?prefix=/jitgit/'",
	"store migrate":      "jitgit store migrate --from badger:/var/lib/jitgit --to 'etcd:https://etcd1:2379?prefix=/jitgit/' --tls-ca ca.pem --json",
	"user add":           "jitgit user add alice --group sre --password-stdin < pw.txt",
	"user password":      "jitgit user password alice < pw.txt",
	"user disable":       "jitgit user disable alice",
	"user enable":        "jitgit user enable alice",
	"user list":          "jitgit user list --json",
	"user key":           "jitgit user key add alice ~/.ssh/id_ed25519.pub",
	"user key add":       "jitgit user key add alice ~/.ssh/id_ed25519.pub",
	"user key list":      "jitgit user key list alice",
	"user key remove":    "jitgit user key remove alice SHA256:...",
	"user token":         "jitgit user token create ci-bot --expires 30d",
	"user token create":  "jitgit user token create ci-bot --expires 30d",
	"user token list":    "jitgit user token list ci-bot",
	"user token revoke":  "jitgit user token revoke ci-bot t_...",
	"user":               "jitgit user add alice --group sre",
	"repo":               "jitgit repo create acme/app --description 'the app'",
	"repo create":        "jitgit repo create acme/app --description 'the app'\n   jitgit repo create mirrors/linux --mirror https://example.com/linux.git --every 6h",
	"repo sync":          "jitgit repo sync mirrors/linux",
	"grant":              "jitgit grant add --user alice --repo acme/app --access write --for 2h --reason INC-42",
	"access":             "jitgit access check --user alice --repo acme/app --access write",
	"access check":       "jitgit access check --user alice --repo acme/app --access write",
	"audit":              "jitgit audit list --since 24h --repo acme/app",
	"audit list":         "jitgit audit list --since 24h --repo acme/app --json",
	"audit verify":       "jitgit audit verify",
	"request":            "jitgit request list --status pending",
	"request create":     "jitgit request create --repo acme/app --access write --for 1h --reason 'deploy' --wait",
	"request approve":    "jitgit --as admin request approve r_... --comment ok",
	"request deny":       "jitgit --as admin request deny r_... --reason 'not now'",
	"policy":             "jitgit policy list",
	"policy list":        "jitgit policy list --json",
	"protect":            "jitgit protect add main --repo 'acme/*' --ref refs/heads/main --forbid force,delete",
	"protect add":        "jitgit protect add main --repo 'acme/*' --ref refs/heads/main --forbid force,delete",
	"protect list":       "jitgit protect list",
	"protect remove":     "jitgit protect remove main",
	"backup":             "jitgit backup > jitgit.backup",
	"restore":            "jitgit restore --data ./new-data jitgit.backup",
	"hook":               "(run by git itself inside the server; not for people)",
	"group":              "jitgit group add-member sre alice",
	"repo mirror":        "jitgit repo mirror set mirrors/app --every 15m",
	"repo mirror set":    "jitgit repo mirror set mirrors/app --credential deploy-app --every 15m",
	"repo mirror remove": "jitgit repo mirror remove mirrors/app --read-only",
	"credential":         "jitgit credential list",
	"credential add":     "jitgit credential add deploy-app --generate ed25519",
	"credential list":    "jitgit credential list --json",
	"credential remove":  "jitgit credential remove deploy-app",
	"login":              "jitgit --server https://git.example.com login --oidc-token-file \"$ACTIONS_ID_TOKEN_FILE\"",
	"webhook":            "jitgit webhook deliveries --failed",
	"webhook deliveries": "jitgit webhook deliveries --receiver chat --json",
	"webhook redeliver":  "jitgit webhook redeliver chat:1234",
	"repo purge":         "jitgit repo purge acme/app",
	"user set":           "jitgit user set carol --auditor",
	"audit export":       "jitgit audit export --since 2026-03-01 --until 2026-04-01 > march.jsonl",
	"report":             "jitgit report access --repo acme/payments --since 2026-03-01 --csv",
	"report access":      "jitgit report access --user alice --json",
	"config":             "jitgit config reload",
	"config reload":      "jitgit config reload",
}

// withExamples gives every command without an example in its description
// the one in examples, so that `--help` shows one everywhere.
func withExamples(cmds []*cli.Command, parent string) []*cli.Command {
	for _, c := range cmds {
		name := strings.TrimSpace(parent + " " + c.Name)
		if ex, ok := examples[name]; ok && !strings.Contains(c.Description, "Example:") {
			if c.Description != "" {
				c.Description += "\n\n"
			}
			c.Description += "Example:\n   " + ex
		}
		withExamples(c.Subcommands, name)
	}
	return cmds
}

// appExample is the top-level --help example.
const appExample = `Example:
   jitgit serve &
   jitgit repo create acme/app
   jitgit grant bulk oncall.csv`
