//go:build linux

package warehouse_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
)

// TestPostgresVerifyFull starts a PostgreSQL cluster of its own that
// accepts TCP clients over TLS only (ssl=on, hostssl), with a server
// certificate of a CA made for the test: sslmode=verify-full with that
// CA as sslrootcert connects encrypted; another CA, a host name the
// certificate does not carry, and a plaintext client fail with a clear
// reason.
func TestPostgresVerifyFull(t *testing.T) {
	ca := pipelinetest.NewCA(t)
	port := startTLSPostgres(t, ca)
	dsn := func(host, params string) string {
		return fmt.Sprintf("postgres://postgres@%s/postgres?%s", net.JoinHostPort(host, strconv.Itoa(port)), params)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	open := func(dsn string) (*warehouse.Warehouse, error) {
		return warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), nil)
	}

	good := dsn("localhost", "sslmode=verify-full&sslrootcert="+url.QueryEscape(ca.CertFile))
	w, err := open(good)
	if err != nil {
		t.Fatalf("Open(verify-full, right CA): %v", err)
	}
	defer w.Close()
	var ssl bool
	var version string
	if err := w.DB().QueryRowContext(ctx, "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl, &version); err != nil {
		t.Fatal(err)
	}
	if !ssl || !strings.HasPrefix(version, "TLS") {
		t.Errorf("pg_stat_ssl = %v, %q; want an encrypted connection", ssl, version)
	}
	if _, _, insecure := warehouse.InsecureTransit(good); insecure {
		t.Errorf("InsecureTransit(verify-full) reported the DSN")
	}

	cases := []struct {
		name, dsn string
		want      []string // any of
	}{
		{"wrong CA", dsn("localhost", "sslmode=verify-full&sslrootcert="+url.QueryEscape(pipelinetest.NewCA(t).CertFile)),
			[]string{"certificate signed by unknown authority"}},
		{"host not in certificate", dsn("127.0.0.1", "sslmode=verify-full&sslrootcert="+url.QueryEscape(ca.CertFile)),
			[]string{"certificate is valid for", "not 127.0.0.1", "doesn't contain any IP SANs"}},
		{"plaintext", dsn("localhost", "sslmode=disable"), []string{"28000", "invalid_authorization_specification"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := open(tc.dsn)
			if err == nil {
				w.Close()
				t.Fatalf("Open succeeded, want a failure")
			}
			msg := err.Error()
			t.Logf("Open: %s", msg)
			ok := false
			for _, want := range tc.want {
				ok = ok || strings.Contains(msg, want)
			}
			if !ok {
				t.Errorf("Open error = %q, want one of %q", msg, tc.want)
			}
		})
	}
}

// startTLSPostgres initializes and starts a cluster in a temporary
// directory on a free port of 127.0.0.1 and returns the port. It skips
// the test when PostgreSQL's server binaries are absent (fails when
// CI=true). As root, the server runs as user postgres, which initdb
// requires.
func startTLSPostgres(t *testing.T, ca *pipelinetest.CA) int {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing")
		}
		t.Skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	var cred *syscall.Credential
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run the server as")
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parents are private to the test's user.
	base, err := os.MkdirTemp("", "tally-pg-tls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(base, "data")
	srv := ca.Issue(t, "postgres", "localhost")
	for _, f := range []struct{ src, dst string }{{srv.CertFile, "server.crt"}, {srv.KeyFile, "server.key"}} {
		b, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(base, f.dst)
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dst, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(base, uid, gid); err != nil {
		t.Fatal(err)
	}
	runAs := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = base
		if out, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(base, "server.log"))
			t.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
		}
	}
	runAs("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	// TCP clients must use TLS; the unix socket serves pg_ctl.
	hba := "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=localhost -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s -c fsync=off",
		port, base, filepath.Join(base, "server.crt"), filepath.Join(base, "server.key"))
	runAs("pg_ctl", "-D", data, "-l", filepath.Join(base, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("stopping the test cluster: %v\n%s", err, out)
		}
	})
	return port
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
