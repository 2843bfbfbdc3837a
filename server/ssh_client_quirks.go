package server

import "strings"

// readsStderrLate reports whether an SSH client, by the version string it
// sent, may drop what the server wrote on stderr before the command ended.
// JGit's JSch transport copies stderr in a thread of its own and, once
// stdout has ended, reports "connection failed" without waiting for that
// thread: on a loaded machine the deny message is lost. Such a client is
// also told the refusal as git's ERR packet on stdout, which it reads in
// order and shows. The git CLI is not: it would print the message twice.
func readsStderrLate(clientVersion []byte) bool {
	return strings.HasPrefix(string(clientVersion), "SSH-2.0-JSCH")
}
