package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/lease"
)

// span is one CRM request a process made for a binding.
type span struct {
	binding    string
	path       string
	launch     int
	start, end time.Time
}

// fleet runs several `tally run` binaries (real processes) against one
// embedded broker in the test process, one PostgreSQL schema and one
// fake HubSpot per tenant. Each launch reaches the fakes through
// recording proxies of its own, so the request log knows which process
// pulled which binding when.
type fleet struct {
	t       *testing.T
	bin     string
	dsn     string
	brokers []string // empty: each process starts its own embedded broker
	tenants []string
	servers map[string]*hubspottest.Server
	key     string
	latency time.Duration // added to every CRM request
	// partitions of each new topic (kafka.partitions); 0 means 3.
	partitions int
	// leaseTTL is sync.lease_ttl; "" means 3s.
	leaseTTL string

	mu       sync.Mutex
	spans    []span
	launches int
}

// newFleet starts one fake HubSpot of deals deals per tenant.
func newFleet(t *testing.T, bin, dsn string, tenants, deals int) *fleet {
	t.Helper()
	f := &fleet{t: t, bin: bin, dsn: dsn, servers: map[string]*hubspottest.Server{}}
	for i := range tenants {
		id := fmt.Sprintf("t%d", i+1)
		srv := hubspottest.NewServer(hubspottest.Generate(int64(100+i), hubspottest.Sizes{Owners: 8, Deals: deals, Contacts: 100}),
			hubspottest.Options{Token: testToken})
		t.Cleanup(srv.Close)
		f.tenants = append(f.tenants, id)
		f.servers[id] = srv
	}
	f.key = filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(f.key, []byte(strings.Repeat("test-master-key-", 4)), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// withBroker starts an in-memory broker in the test process for the
// fleet's processes.
func (f *fleet) withBroker() *fleet {
	emb, err := kafka.StartEmbedded(kafka.EmbeddedOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { emb.Close() })
	f.brokers = emb.Addrs()
	return f
}

// proxy returns the URL of a recording proxy to tenant's fake for launch.
func (f *fleet) proxy(tenant string, launch int) string {
	target, _ := url.Parse(f.servers[tenant].URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // requests of killed processes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		time.Sleep(f.latency) // a CRM's answer time, so that kills land mid-pull
		rp.ServeHTTP(w, r)
		f.mu.Lock()
		f.spans = append(f.spans, span{binding: tenant + "/hubspot", path: r.URL.Path, launch: launch, start: start, end: time.Now()})
		f.mu.Unlock()
	}))
	f.t.Cleanup(srv.Close)
	return srv.URL
}

// config writes the configuration of a new launch and returns its path
// and launch number.
func (f *fleet) config() (string, int) {
	f.mu.Lock()
	f.launches++
	launch := f.launches
	f.mu.Unlock()
	dir := f.t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %q\n", filepath.Join(dir, "data"))
	fmt.Fprintf(&b, "kafka:\n  partitions: %d\n", cmp.Or(f.partitions, 3))
	if len(f.brokers) > 0 {
		fmt.Fprintf(&b, "  brokers: [%q]\n", f.brokers[0])
	}
	b.WriteString("tenants:\n")
	for _, id := range f.tenants {
		fmt.Fprintf(&b, "  - id: %s\n    connectors:\n      - kind: hubspot\n        options:\n"+
			"          base_url: %q\n          token: ${TALLY_TEST_HUBSPOT_TOKEN}\n          search_lag: 0s\n", id, f.proxy(id, launch))
	}
	fmt.Fprintf(&b, "warehouse:\n  driver: postgres\n  dsn: ${TALLY_TEST_PG_DSN}\npseudonyms:\n  master_key_file: %q\n", f.key)
	fmt.Fprintf(&b, "sync:\n  interval: 10s\n  lease_ttl: %s\nlog:\n  level: info\n  format: json\n", cmp.Or(f.leaseTTL, "3s"))
	cfg := filepath.Join(dir, "tally.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return cfg, launch
}

// proc is one running `tally run` process.
type proc struct {
	cmd    *exec.Cmd
	launch int
	stderr *bytes.Buffer
	done   chan struct{}
}

// start starts `tally run` (continuous) as a new launch.
func (f *fleet) start() *proc {
	cfg, launch := f.config()
	p := &proc{cmd: exec.Command(f.bin, "run", "--config", cfg), launch: launch, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "TALLY_TEST_PG_DSN="+f.dsn, "TALLY_TEST_HUBSPOT_TOKEN="+testToken)
	p.cmd.Stderr = &lockedWriter{w: p.stderr}
	if err := p.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	f.t.Cleanup(func() { p.kill() })
	return p
}

// once runs `tally run --once` as a new launch and waits for it.
func (f *fleet) once() {
	cfg, _ := f.config()
	cmd := exec.Command(f.bin, "run", "--once", "--config", cfg)
	cmd.Env = append(os.Environ(), "TALLY_TEST_PG_DSN="+f.dsn, "TALLY_TEST_HUBSPOT_TOKEN="+testToken)
	if out, err := cmd.CombinedOutput(); err != nil {
		f.t.Fatalf("tally run --once: %v\n%s", err, tail(string(out), 3000))
	}
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// stop ends the process with SIGTERM (it releases its leases).
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.kill()
		t.Errorf("launch %d did not stop within a minute of SIGTERM", p.launch)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// requests returns how many CRM requests the given launches made.
func (f *fleet) requests(launches ...int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.spans {
		for _, l := range launches {
			if s.launch == l {
				n++
			}
		}
	}
	return n
}

// overlaps returns, per binding, the pairs of launches that had requests
// in flight at the same time: two processes pulling one binding at once.
func (f *fleet) overlaps() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for i, a := range f.spans {
		for _, b := range f.spans[i+1:] {
			if a.binding != b.binding || a.launch == b.launch || !a.start.Before(b.end) || !b.start.Before(a.end) {
				continue
			}
			k := fmt.Sprintf("%s: launches %d and %d", a.binding, min(a.launch, b.launch), max(a.launch, b.launch))
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// eventually polls cond every 200ms until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// holders returns the holder of each held lease, by binding.
func holders(t *testing.T, w *warehouse.Warehouse) map[string]string {
	t.Helper()
	out := map[string]string{}
	rows, err := lease.List(context.Background(), w)
	if err != nil { // not migrated yet: no process has started
		return out
	}
	for _, r := range rows {
		if r.Held {
			out[r.Tenant+"/"+r.Connector] = fmt.Sprintf("%s/%d", r.Host, r.PID)
		}
	}
	return out
}

// pidHolder is the holder string of a process in holders.
func pidHolder(p *proc) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, p.cmd.Process.Pid)
}

// paths counts the requests by path.
func (f *fleet) paths() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, s := range f.spans {
		out[s.path]++
	}
	return out
}
