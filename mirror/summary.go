package mirror

import "bytes"

// refSummary reads the ref summary git fetch prints on stderr, one line
// per ref it changed: " FLAG SUMMARY FROM -> TO", with the flags
// git-fetch(1) documents under OUTPUT (' ' fast-forward, '+' forced
// update, '-' pruned, 't' tag update, '*' new ref, '!' rejected, '='
// up to date). It counts as it goes, holding one line at most, so a first
// fetch of many refs costs no memory.
type refSummary struct {
	updated   int  // refs created, moved or deleted
	rewritten int  // forced updates: moved other than forward
	branches  bool // a branch came or went
	line      []byte
	long      bool // the line being read is too long to be a summary line
}

// maxSummaryLine bounds a line kept; longer ones are no summary lines.
const maxSummaryLine = 4 << 10

func (s *refSummary) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !s.long {
			if len(s.line)+len(chunk) > maxSummaryLine {
				s.long, s.line = true, s.line[:0]
			} else {
				s.line = append(s.line, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !s.long {
			s.parse(s.line)
		}
		s.line, s.long = s.line[:0], false
		p = p[i+1:]
	}
	return n, nil
}

func (s *refSummary) parse(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) < 4 || line[0] != ' ' || line[2] != ' ' || !bytes.Contains(line, []byte(" -> ")) {
		return
	}
	switch line[1] {
	case '+':
		s.updated++
		s.rewritten++
	case ' ', 't':
		s.updated++
	case '*':
		s.updated++
		s.branches = s.branches || bytes.Contains(line, []byte("[new branch]"))
	case '-':
		s.updated++
		s.branches = true // pruned: a branch or a tag, either may have been HEAD's
	}
}
