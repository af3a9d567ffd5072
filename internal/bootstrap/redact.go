package bootstrap

import "strings"

// RedactURL hides the user information of a proxy URL (http://user:pass@host:port
// becomes http://***@host:port) so it can be logged or stored. It works on the text,
// not on a parse, so that a URL that does not parse is redacted too.
func RedactURL(s string) string {
	authority := s
	prefix := ""
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, authority = s[:i+3], s[i+3:]
	}
	rest := ""
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority, rest = authority[:i], authority[i:]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return s
	}
	return prefix + "***" + authority[at:] + rest
}
