package warehouse

import (
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/lib/pq"
)

// InsecureTransit reports whether dsn reaches PostgreSQL over the network
// without insisting on TLS: a host that is neither loopback nor a unix
// socket, with sslmode disable, allow or prefer (which fall back to, or
// start with, plaintext). It returns the first such host and the mode.
// The DSN is read as lib/pq reads it, environment (PGHOST, PGSSLMODE)
// included. An absent sslmode is not reported: lib/pq then encrypts
// without falling back (like require). A DSN lib/pq cannot parse is not
// reported either; opening it fails with the reason.
func InsecureTransit(dsn string) (host, sslmode string, insecure bool) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return "", "", false
	}
	switch cfg.SSLMode {
	case pq.SSLModeDisable, pq.SSLModeAllow, pq.SSLModePrefer:
	default:
		return "", "", false
	}
	hosts := []struct {
		name string
		addr netip.Addr
	}{{cfg.Host, cfg.Hostaddr}}
	for _, m := range cfg.Multi {
		hosts = append(hosts, struct {
			name string
			addr netip.Addr
		}{m.Host, m.Hostaddr})
	}
	for _, h := range hosts {
		if !local(h.name, h.addr) {
			name := h.name
			if h.addr.IsValid() {
				name = h.addr.String()
			}
			return name, string(cfg.SSLMode), true
		}
	}
	return "", "", false
}

// local reports a unix socket or a loopback address.
func local(host string, addr netip.Addr) bool {
	if addr.IsValid() {
		return addr.IsLoopback()
	}
	if host == "" || filepath.IsAbs(host) || strings.HasPrefix(host, "@") || strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}
