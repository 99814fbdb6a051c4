package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
)

// dsnPassword is the password every malformed DSN of the corpus holds.
const dsnPassword = "Pw9xSecretQ"

// malformedDSNs are connection strings with a password that net/url or
// lib/pq cannot parse, each with what the error must say to fix.
var malformedDSNs = []struct {
	name, dsn, problem string
}{
	{"bad port", "postgres://tally:" + dsnPassword + "@localhost:54x2/tally", "bad port"},
	{"forgotten @", "postgres://tally:" + dsnPassword + "/tally", "bad port"},
	{"bad escape", "postgres://tally:" + dsnPassword + "%zz@localhost/tally", "bad percent-escape"},
	{"bad escape in user", "postgres://ta%ly:" + dsnPassword + "@localhost/tally", "bad percent-escape"},
	{"space in password", "postgres://tally:" + dsnPassword + " x@localhost/tally", "bad character"},
	{"space in host", "postgres://tally:" + dsnPassword + "@local host/tally", "bad character in the host"},
	{"control character", "postgres://tally:" + dsnPassword + "\x01@localhost/tally", "control character"},
	{"newline", "postgres://tally:" + dsnPassword + "\n@localhost/tally", "control character"},
	{"unclosed bracket", "postgres://tally:" + dsnPassword + "@[::1/tally", "malformed URL"},
	{"wrong scheme", "postgress://tally:" + dsnPassword + "@localhost/tally", "postgres://"},
	{"unknown sslmode", "postgres://tally:" + dsnPassword + "@localhost/tally?sslmode=maybe", "bad value for key sslmode"},
	{"bad connect_timeout", "postgresql://tally:" + dsnPassword + "@localhost/tally?connect_timeout=soon", "bad value for key connect_timeout"},
	{"key=value unknown sslmode", "host=localhost user=tally password=" + dsnPassword + " sslmode=maybe", "bad value for key sslmode"},
	{"key=value bad port", "host=localhost port=" + dsnPassword + " password=" + dsnPassword, "bad value for key port"},
	{"key=value unterminated quote", "host=localhost password='" + dsnPassword + " user=tally", "unterminated quoted value"},
	{"key=value password without =", "host=localhost password " + dsnPassword + " user=tally", `without "="`},
	{"key=value stray word", "host=localhost " + dsnPassword + " user=tally", `without "="`},
	{"key=value trailing backslash", "host=localhost password=" + dsnPassword + `\`, "backslash"},
}

// TestMalformedDSNsNeverPrintTheirPassword runs every malformed DSN of
// the corpus through run --once, migrate, check and validate and greps everything
// they print: the password never shows, the error names what to fix and
// the exit code is 2.
func TestMalformedDSNsNeverPrintTheirPassword(t *testing.T) {
	e := newEnv(t, hubspottest.Generate(1, hubspottest.Sizes{Owners: 1, Deals: 1}), "  driver: postgres\n  dsn: ${TALLY_TEST_BAD_DSN}")
	for _, tc := range malformedDSNs {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TALLY_TEST_BAD_DSN", tc.dsn)
			for _, args := range [][]string{{"run", "--once"}, {"migrate"}, {"check"}, {"validate"}} {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				var out bytes.Buffer
				code := run(ctx, append(args, "--config", e.cfgPath, "--log-level", "debug"), &out, &out)
				cancel()
				got := out.String()
				if strings.Contains(got, dsnPassword) {
					t.Errorf("tally %s printed the password:\n%s", args[0], got)
				}
				if want := "warehouse.dsn: invalid DSN: "; !strings.Contains(got, want) || !strings.Contains(got, tc.problem) {
					t.Errorf("tally %s printed\n%s\nwant %q and %q", args[0], got, want, tc.problem)
				}
				if code != exitConfig {
					t.Errorf("tally %s exited %d, want %d", args[0], code, exitConfig)
				}
			}
		})
	}
}
