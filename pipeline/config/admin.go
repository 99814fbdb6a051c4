package config

import (
	"errors"
	"fmt"
	"net"
)

// DefaultAdminListen is the admin listener's address when admin.listen
// is empty: loopback only, so no token is needed.
const DefaultAdminListen = "127.0.0.1:9465"

// AdminOff is the admin.listen value that turns the listener off.
const AdminOff = "off"

// Admin configures the admin HTTP listener of 'tally run' and 'tally
// demo': /healthz, /readyz, /metrics, /api/v1/status and the status page.
type Admin struct {
	Listen string `yaml:"listen" doc:"Address of the admin listener (/healthz, /readyz, /metrics, /api/v1/status and the status page at /), host:port; empty means 127.0.0.1:9465, off turns it off. Any address but a loopback one requires token."`
	Token  Secret `yaml:"token" doc:"Bearer token every admin request but /healthz and /readyz must carry (Authorization: Bearer …), as an ${ENV} reference; required when listen is not a loopback address."`
}

// Addr returns the address to listen on, "" when the listener is off.
func (a Admin) Addr() string {
	switch a.Listen {
	case AdminOff:
		return ""
	case "":
		return DefaultAdminListen
	}
	return a.Listen
}

// Loopback reports whether the listener binds to a loopback address
// only (localhost, 127.0.0.0/8, ::1).
func (a Admin) Loopback() bool {
	host, _, err := net.SplitHostPort(a.Addr())
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate reports a bad address and a missing token off loopback.
func (a Admin) Validate() error {
	addr := a.Addr()
	if addr == "" {
		return nil
	}
	if err := hostPort(addr); err != nil {
		return fmt.Errorf("admin.listen: %w, e.g. %s or off", err, DefaultAdminListen)
	}
	if !a.Loopback() && !a.Token.Set() {
		if a.Token.Env() != "" {
			return fmt.Errorf("admin.token: ${%s} is not set; it is required when admin.listen %q is not a loopback address", a.Token.Env(), addr)
		}
		return errors.New("admin.token: required when admin.listen is not a loopback address (set it to an ${ENV} reference)")
	}
	return nil
}
