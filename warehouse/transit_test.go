package warehouse

import (
	"os"
	"testing"
)

func TestInsecureTransit(t *testing.T) {
	for _, v := range []string{"PGSSLMODE", "PGHOST", "PGHOSTADDR"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)
	}
	cases := []struct {
		dsn      string
		wantHost string // "" = not reported
		wantMode string
	}{
		{"postgres://tally@db.example.com:5432/tally?sslmode=disable", "db.example.com", "disable"},
		{"postgres://tally@db.example.com/tally?sslmode=prefer", "db.example.com", "prefer"},
		{"host=10.0.0.7 dbname=tally sslmode=allow", "10.0.0.7", "allow"},
		{"postgres://tally@db.example.com/tally?sslmode=require", "", ""},
		{"postgres://tally@db.example.com/tally?sslmode=verify-full&sslrootcert=/etc/tally/pg-ca.pem", "", ""},
		{"postgres://tally@db.example.com/tally", "", ""}, // lib/pq: encrypted, no fallback
		{"postgres://tally@127.0.0.1:5432/tally?sslmode=disable", "", ""},
		{"postgres://tally@[::1]:5432/tally?sslmode=disable", "", ""},
		{"postgres://tally@localhost/tally?sslmode=disable", "", ""},
		{"host=/var/run/postgresql dbname=tally sslmode=disable", "", ""},
		{"host=localhost,db2.example.com dbname=tally sslmode=prefer", "db2.example.com", "prefer"},
		{"host=db.example.com hostaddr=127.0.0.1 dbname=tally sslmode=disable", "", ""},
		{"postgres://%zz", "", ""}, // unparsable: opening reports it
	}
	for _, tc := range cases {
		t.Run(tc.dsn, func(t *testing.T) {
			host, mode, bad := InsecureTransit(tc.dsn)
			if bad != (tc.wantHost != "") || host != tc.wantHost || mode != tc.wantMode {
				t.Errorf("InsecureTransit(%q) = %q, %q, %v; want %q, %q, %v", tc.dsn, host, mode, bad, tc.wantHost, tc.wantMode, tc.wantHost != "")
			}
		})
	}
	t.Run("PGSSLMODE", func(t *testing.T) {
		t.Setenv("PGSSLMODE", "disable")
		if host, _, bad := InsecureTransit("postgres://tally@db.example.com/tally"); !bad || host != "db.example.com" {
			t.Errorf("InsecureTransit with PGSSLMODE=disable = %q, %v; want db.example.com reported", host, bad)
		}
	})
}
