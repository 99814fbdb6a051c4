package warehouse

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/lib/pq"
)

// ErrDSN is the error of a connection string that cannot be parsed.
var ErrDSN = errors.New("invalid DSN")

// CheckDSN parses a PostgreSQL connection string (URL or key=value form)
// the way lib/pq does, without connecting. Its error says what to fix —
// the part of the URL or the key at fault — and never quotes the DSN or
// any part of it: a parse error of net/url or lib/pq quotes the text it
// choked on, which may be the password.
func CheckDSN(dsn string) error {
	if strings.TrimSpace(dsn) == "" {
		return dsnError("empty")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if _, err := url.Parse(dsn); err != nil {
			return dsnError(urlProblem(err))
		}
	} else if strings.Contains(dsn, "://") {
		return dsnError("the URL scheme must be postgres:// or postgresql://")
	}
	if _, err := pq.NewConfig(dsn); err != nil {
		return dsnError(pqProblem(err))
	}
	return nil
}

func dsnError(problem string) error {
	return &dsnErr{problem: problem}
}

type dsnErr struct{ problem string }

func (e *dsnErr) Error() string { return ErrDSN.Error() + ": " + e.problem }
func (e *dsnErr) Is(target error) bool {
	return target == ErrDSN
}

// urlProblem describes a net/url parse error without its quoted text.
func urlProblem(err error) string {
	var esc url.EscapeError
	var host url.InvalidHostError
	msg := err.Error()
	switch {
	case errors.As(err, &esc):
		return "bad percent-escape (write a literal % as %25)"
	case errors.As(err, &host), strings.Contains(msg, "in host name"):
		return "bad character in the host"
	case strings.Contains(msg, "invalid port"):
		return "bad port (host:port with a numeric port; percent-encode '/', ':' and '@' in the password)"
	case strings.Contains(msg, "invalid userinfo"):
		return "bad character in the user or password (percent-encode it)"
	case strings.Contains(msg, "control character"):
		return "control character in the URL"
	}
	return "malformed URL"
}

// pqKey matches the key lib/pq names in its value errors; keys are
// lib/pq's own field names, never user text.
var pqKey = regexp.MustCompile(`wrong value for "([a-z_]+)"`)

// pqProblem describes a lib/pq parse error without its quoted text.
func pqProblem(err error) string {
	msg := err.Error()
	if m := pqKey.FindStringSubmatch(msg); m != nil {
		return "bad value for key " + m[1]
	}
	switch {
	case strings.Contains(msg, `missing "="`):
		return `a word without "=" (key=value form; quote values with spaces in single quotes)`
	case strings.Contains(msg, "unterminated quoted string"):
		return "unterminated quoted value (key=value form)"
	case strings.Contains(msg, "after backslash"):
		return "a backslash at the end (key=value form)"
	case strings.Contains(msg, "connection protocol"):
		return "the URL scheme must be postgres:// or postgresql://"
	case strings.Contains(msg, "host names to") || strings.Contains(msg, "port numbers to"):
		return "the numbers of hosts and ports differ"
	case strings.Contains(msg, "environment variable"):
		return "an unsupported PG* environment variable is set"
	}
	return "cannot parse it"
}

// scrubURLs replaces the user information of anything that looks like a
// URL (scheme://user:password@) and the value of password= settings.
var (
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@`)
	kvPassword  = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)`)
)

// mayQuoteDSN reports whether a message may quote a connection string or
// a secret: it has a URL, an "@", a key=value pair or says password.
func mayQuoteDSN(msg string) bool {
	return strings.Contains(msg, "://") || strings.Contains(msg, "@") || strings.Contains(msg, "=") ||
		strings.Contains(strings.ToLower(msg), "password")
}

// RedactURLs removes user information from URLs and password values from
// key=value settings in text; callers use it as a last line of defence
// on messages of other libraries.
func RedactURLs(text string) string {
	text = urlUserinfo.ReplaceAllString(text, "${1}[redacted]@")
	return kvPassword.ReplaceAllString(text, "${1}[redacted]")
}
