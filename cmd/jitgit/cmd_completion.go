package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask the binary itself for the words that can
// follow (urfave/cli's --generate-bash-completion), so they never go stale.
const bashCompletion = `# jitgit completion for bash: eval "$(jitgit completion bash)"
_jitgit_complete() {
	local cur opts
	COMPREPLY=()
	cur="${COMP_WORDS[COMP_CWORD]}"
	if [[ "$cur" == "-"* ]]; then
		opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "${cur}" --generate-bash-completion 2>/dev/null)
	else
		opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
	fi
	COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
	return 0
}
complete -o bashdefault -o default -F _jitgit_complete jitgit
`

const zshCompletion = `#compdef jitgit
# jitgit completion for zsh: jitgit completion zsh > "${fpath[1]}/_jitgit"
_jitgit() {
	local -a opts
	local cur
	cur=${words[-1]}
	if [[ "$cur" == "-"* ]]; then
		opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
	else
		opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
	fi
	if [[ "${opts[1]}" != "" ]]; then
		_describe 'values' opts
	else
		_files
	fi
}
compdef _jitgit jitgit
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name: "completion", Usage: "print a shell completion script: bash, zsh or fish", ArgsUsage: "bash|zsh|fish",
		Description: `Example:
   eval "$(jitgit completion bash)"                     # in ~/.bashrc
   jitgit completion zsh > "${fpath[1]}/_jitgit"
   jitgit completion fish > ~/.config/fish/completions/jitgit.fish`,
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			switch c.Args().First() {
			case "bash":
				_, err := fmt.Fprint(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(c.App.Writer, zshCompletion)
				return err
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(c.App.Writer, s)
				return err
			}
			return fmt.Errorf("completion %q: use bash, zsh or fish", c.Args().First())
		},
	}
}
