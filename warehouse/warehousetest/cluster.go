package warehousetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Cluster is a PostgreSQL server of the test's own, created with initdb
// and run with pg_ctl of the installed server package in a temporary
// directory, on a free port of 127.0.0.1, with trust authentication for
// the user postgres. Tests stop and start it to simulate an outage.
type Cluster struct {
	t    testing.TB
	bin  string // directory of initdb, pg_ctl
	dir  string // holds data/, the socket and the server log
	port int
	cred *syscall.Credential // when running as root: the postgres user
}

// StartCluster creates and starts a cluster, stopped and removed when the
// test ends. Without the server binaries (initdb, pg_ctl under
// /usr/lib/postgresql/*/bin or on PATH) the test is skipped, or fails
// when CI=true. As root, the server runs as the user postgres, since
// initdb refuses to run as root.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := serverBin()
	if bin == "" {
		clusterUnavailable(t, "initdb and pg_ctl not found (install the PostgreSQL server package)")
	}
	c := &Cluster{t: t, bin: bin}
	dir, err := os.MkdirTemp("", "tally-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(c.dir, "data", "postmaster.pid")); err == nil {
			c.pgctl("stop", "-m", "immediate")
		}
		os.RemoveAll(c.dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			clusterUnavailable(t, "running as root and no user postgres to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.port = freePort(t)
	if out, err := c.command("initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--no-sync", "--no-instructions").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Start()
	return c
}

// DSN returns the URL of database db on the cluster.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c full_page_writes=off", c.port, c.dir)
	if out, err := c.pgctl("start", "-l", filepath.Join(c.dir, "server.log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop shuts the server down (fast mode: open sessions are ended with
// admin_shutdown, as in a database restart) and waits until it is down.
func (c *Cluster) Stop() {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-m", "fast"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// CreateDatabase creates database name.
func (c *Cluster) CreateDatabase(name string) {
	c.t.Helper()
	if !identifier.MatchString(name) {
		c.t.Fatalf("database name %q is not a plain identifier", name)
	}
	if out, err := c.command("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres",
		"-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE "+name).CombinedOutput(); err != nil {
		c.t.Fatalf("creating database %s: %v\n%s", name, err, out)
	}
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) pgctl(args ...string) ([]byte, error) {
	return c.command("pg_ctl", append([]string{"-D", c.data(), "-w", "-t", "60"}, args...)...).CombinedOutput()
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// serverBin finds the directory holding initdb and pg_ctl, preferring the
// newest installed major version.
func serverBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	return ""
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return n
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func clusterUnavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}
