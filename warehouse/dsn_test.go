package warehouse

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

const testPassword = "Pw9xSecretQ"

func TestOpenRedactsMalformedDSNs(t *testing.T) {
	for _, tc := range []struct{ dsn, problem string }{
		{"postgres://u:" + testPassword + "@localhost:54x2/db", "bad port"},
		{"postgres://u:" + testPassword + "/db", "bad port"},
		{"postgres://u:" + testPassword + "%zz@localhost/db", "bad percent-escape"},
		{"postgres://u:" + testPassword + "\x7f@localhost/db", "control character"},
		{"postgres://u:" + testPassword + "@localhost/db?sslmode=maybe", "bad value for key sslmode"},
		{"host=h " + testPassword + " user=u", `without "="`},
		{"host=h password='" + testPassword, "unterminated quoted value"},
		{"mysql://u:" + testPassword + "@h/db", "postgres://"},
		{"   ", "empty"},
	} {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		_, err := Open(context.Background(), Config{Driver: Postgres, DSN: tc.dsn}, schemas.Default(), logger)
		if err == nil || !errors.Is(err, ErrDSN) || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("Open(%q) = %v, want an ErrDSN naming %q", tc.dsn, err, tc.problem)
			continue
		}
		if strings.Contains(err.Error()+logs.String(), testPassword) {
			t.Errorf("Open(%q) printed the password: %v\n%s", tc.dsn, err, logs.String())
		}
	}
}

func TestSQLLoggerWithholdsMessagesThatMayQuoteADSN(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{`parse "postgres://u:` + testPassword + `@h:x/db": invalid port ":x" after host`, "withheld"},
		{`missing "=" after "` + testPassword + `" in connection info string`, "withheld"},
		{"pq: invalid input syntax for type integer: \"" + testPassword + "\" (22P02)", "sql state 22P02 (invalid_text_representation)"},
		{"pq: some message without a state", "pq error"},
		{"dial tcp 127.0.0.1:5432: connect: connection refused", "dial tcp 127.0.0.1:5432: connect: connection refused"},
		{"driver: bad connection", "driver: bad connection"},
	} {
		if got := redactMessage(tc.msg); !strings.Contains(got, tc.want) || strings.Contains(got, testPassword) {
			t.Errorf("redactMessage(%q) = %q, want %q and no password", tc.msg, got, tc.want)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"dial postgres://u:" + testPassword + "@h/db failed", "dial postgres://[redacted]@h/db failed"},
		{"broker sasl://u:" + testPassword + "@k:9092 refused", "broker sasl://[redacted]@k:9092 refused"},
		{"host=h password=" + testPassword + " user=u", "host=h password=[redacted] user=u"},
		{"host=h password='" + testPassword + " x' user=u", "host=h password=[redacted] user=u"},
		{"no secret here", "no secret here"},
	} {
		if got := RedactURLs(tc.in); got != tc.want {
			t.Errorf("RedactURLs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		code pq.ErrorCode
		want error
	}{
		{"22021", pipeline.ErrInvalid}, // character_not_in_repertoire (NUL, invalid byte sequence)
		{"22003", pipeline.ErrInvalid}, // numeric_value_out_of_range
		{"22008", pipeline.ErrInvalid}, // datetime_field_overflow
		{"22P02", pipeline.ErrInvalid}, // invalid_text_representation
		{"23505", pipeline.ErrInvalid}, // unique_violation
		{"23502", pipeline.ErrInvalid}, // not_null_violation
		{"40001", pipeline.ErrTransient},
		{"40P01", pipeline.ErrTransient},
		{"08006", pipeline.ErrTransient},
		{"53100", pipeline.ErrTransient}, // disk_full
		{"57P01", pipeline.ErrTransient}, // admin_shutdown
		{"57P03", pipeline.ErrTransient}, // cannot_connect_now: the database system is starting up
		{"55P03", pipeline.ErrTransient},
		{"42501", pipeline.ErrConfig}, // insufficient_privilege
		{"42P01", pipeline.ErrConfig}, // undefined_table
		{"28P01", pipeline.ErrConfig}, // invalid_password
		{"54000", nil},                // program_limit_exceeded: may be a record's fault
	} {
		err := redact(&pq.Error{Code: tc.code, Message: "value " + testPassword, Column: "stage"})
		for _, kind := range []error{pipeline.ErrInvalid, pipeline.ErrTransient, pipeline.ErrConfig} {
			if got := errors.Is(err, kind); got != (kind == tc.want) {
				t.Errorf("redact(%s): errors.Is(%v) = %v", tc.code, kind, got)
			}
		}
		if strings.Contains(err.Error(), testPassword) {
			t.Errorf("redact(%s) = %q holds the message", tc.code, err)
		}
		var fe *pipeline.FieldError
		if tc.want == pipeline.ErrInvalid && (!errors.As(err, &fe) || fe.Field != "stage" || fe.Rule != "sql_"+string(tc.code)) {
			t.Errorf("redact(%s) = %v, want a FieldError of field stage, rule sql_%s", tc.code, err, tc.code)
		}
	}
	for _, err := range []error{driver.ErrBadConn, io.EOF, io.ErrUnexpectedEOF, syscall.ECONNREFUSED,
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}} {
		if got := redact(fmt.Errorf("query: %w", err)); !errors.Is(got, pipeline.ErrTransient) {
			t.Errorf("redact(%v) = %v, want a transient error", err, got)
		}
	}
}
