package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/status"
)

// adminServer is the admin HTTP listener (admin.listen): /healthz,
// /readyz, /metrics, /api/v1/status and the status page at /.
type adminServer struct {
	a     *app
	token []byte // sha256 of admin.token; nil: no token required
	srv   *http.Server
	url   string
	live  bool // a pipeline runs in this process
	// scheduled: passes repeat every sync.interval (tally run without
	// --once), so next passes are known.
	scheduled bool
}

// startAdmin starts the admin listener of a when admin.listen is not
// off and logs its URL. An address in use is an error when admin.listen
// was set, and only a warning for the default address (another tally
// on this machine has it), so that a second run still starts.
func startAdmin(a *app, scheduled bool) (*adminServer, error) {
	ac := a.cfg.Admin
	addr := ac.Addr()
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ac.Listen == "" {
			a.logger.Warn("admin listener not started: its default address is taken; set admin.listen",
				"component", "admin", "address", addr, "error", err)
			return nil, nil
		}
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	s := &adminServer{a: a, live: true, scheduled: scheduled, url: "http://" + urlHost(ln.Addr().String()) + "/"}
	if ac.Token.Set() {
		sum := sha256.Sum256([]byte(ac.Token.Reveal()))
		s.token = sum[:]
	}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn)}
	go s.srv.Serve(ln)
	a.logger.Info("admin listener serving the status page, /api/v1/status, /metrics, /healthz and /readyz",
		"component", "admin", "url", s.url, "token_required", s.token != nil)
	return s, nil
}

// urlHost turns a listener address into a host:port a browser can open.
func urlHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// URL is the address of the status page.
func (s *adminServer) URL() string { return s.url }

// Close stops the listener.
func (s *adminServer) Close() error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func (s *adminServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.auth(s.a.metrics.Handler()))
	mux.Handle("GET /api/v1/status", s.auth(http.HandlerFunc(s.apiStatus)))
	mux.Handle("GET /{$}", s.auth(http.HandlerFunc(s.page)))
	return mux
}

// auth requires the bearer token when one is configured; the compare
// is constant-time (over SHA-256 digests, so lengths leak nothing).
func (s *adminServer) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token != nil {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], s.token) != 1 || !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tally admin"`)
				http.Error(w, "unauthorized: send Authorization: Bearer <admin.token>", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// readiness reports why the process is not ready: the warehouse or
// Kafka unreachable, or the runner in an outage. Empty means ready.
func (s *adminServer) readiness(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var reasons []string
	if err := s.a.wh.DB().PingContext(ctx); err != nil {
		reasons = append(reasons, "warehouse unreachable")
	}
	if s.a.log != nil {
		if topics := s.a.topics(); len(topics) > 0 {
			if _, err := s.a.log.EndOffsets(ctx, topics); err != nil {
				reasons = append(reasons, "kafka unreachable")
			}
		}
	}
	if s.a.runner != nil {
		for _, o := range s.a.runner.Outages() {
			reasons = append(reasons, "sync stuck in a "+o+" outage")
		}
	}
	return reasons
}

func (s *adminServer) readyz(w http.ResponseWriter, r *http.Request) {
	reasons := s.readiness(r.Context())
	code := http.StatusOK
	if len(reasons) > 0 {
		code = http.StatusServiceUnavailable
	}
	writeJSONStatus(w, code, map[string]any{"ready": len(reasons) == 0, "reasons": append([]string{}, reasons...)})
}

func (s *adminServer) apiStatus(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant != "" && !s.a.hasTenant(tenant) {
		writeJSONStatus(w, http.StatusNotFound, map[string]string{"error": "unknown tenant"})
		return
	}
	writeJSONStatus(w, http.StatusOK, s.a.status(r.Context(), tenant, s.live, s.scheduled))
}

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// topics returns the raw topics of every configured stream.
func (a *app) topics() []string {
	var out []string
	for _, s := range a.configuredStreams() {
		out = append(out, pipeline.TopicName(a.cfg.Kafka.TopicPrefix, s))
	}
	return out
}

// configuredStreams returns the streams of the wired bindings, or, for
// an app without a runner, of the configuration's connectors as far as
// the registry's kinds name their objects.
func (a *app) configuredStreams() []pipeline.Stream {
	var out []pipeline.Stream
	if a.runner != nil {
		for _, b := range a.runner.Bindings {
			for _, o := range b.Source.Objects() {
				out = append(out, pipeline.Stream{Tenant: b.Tenant, Source: b.Name, Object: o})
			}
		}
	}
	return out
}

func (a *app) hasTenant(id string) bool {
	for _, t := range a.cfg.Tenants {
		if t.ID == id {
			return true
		}
	}
	return false
}

// status assembles the status of tenant (all when "").
// live: a pipeline runs in this process; scheduled: it repeats passes.
func (a *app) status(ctx context.Context, tenant string, live, scheduled bool) status.Status {
	src := status.Sources{Warehouse: a.wh, TopicPrefix: a.cfg.Kafka.TopicPrefix, Streams: a.configuredStreams(),
		Interval: a.cfg.Sync.Interval.D(), Live: live, Scheduled: scheduled, Logger: a.logger.With("component", "status")}
	for _, t := range a.cfg.Tenants {
		src.Tenants = append(src.Tenants, t.ID)
	}
	if a.log != nil {
		src.EndOffsets = a.log.EndOffsets
	}
	if live {
		src.Runner, src.Stats = a.runner, a.stats
		if a.leases != nil {
			self := a.leases.Self()
			src.Self = &self
		}
	}
	src.LeaseTTL = a.cfg.Sync.LeaseTTL.D()
	if master, err := masterKey(a.cfg.Pseudonyms); err == nil {
		if s, err := a.wh.Subjects(a.cat, master, a.cfg.Pseudonyms.KeyVersion); err == nil {
			src.Subjects = s
		}
	}
	return status.Build(ctx, src, tenant)
}
