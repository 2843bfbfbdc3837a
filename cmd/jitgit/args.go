package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// permute moves the flags of the command named by args to before its
// positional arguments, so that `jitgit user add alice --admin` works as
// the interface promises: urfave/cli v2 stops reading flags at the first
// positional argument. "--" ends flags as usual.
func permute(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	cmds, flags := app.Commands, app.Flags
	i := 1
	// Walk global flags and the command path.
	for i < len(args) {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			out = append(out, a)
			if takesValue(flags, a) && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
			i++
			continue
		}
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(a) {
				next = c
			}
		}
		if next == nil {
			break
		}
		out = append(out, a)
		cmds, flags = next.Subcommands, next.Flags
		i++
		if len(cmds) == 0 {
			break
		}
	}
	var global, fl, pos []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && a != "-" && !known(flags, a) && known(app.Flags, a):
			// A global flag after the command: lift it to the front.
			global = append(global, a)
			if takesValue(app.Flags, a) && i+1 < len(args) {
				global = append(global, args[i+1])
				i++
			}
		case strings.HasPrefix(a, "-") && a != "-":
			fl = append(fl, a)
			if takesValue(flags, a) && i+1 < len(args) {
				fl = append(fl, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(append([]string{out[0]}, global...), out[1:]...)
	out = append(out, fl...)
	return append(out, pos...)
}

// known reports whether arg names one of flags.
func known(flags []cli.Flag, arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// takesValue reports whether flag arg (e.g. "--for" or "-x") needs the next
// argument as its value.
func takesValue(flags []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
