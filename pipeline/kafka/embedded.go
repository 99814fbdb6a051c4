package kafka

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
)

// EmbeddedOptions configures an in-process broker.
type EmbeddedOptions struct {
	// DataDir is where the broker keeps topics, messages and group
	// offsets so that they survive a restart. Empty keeps everything in
	// memory, lost on Close.
	DataDir string
	// Port is the TCP port the broker listens on, on 127.0.0.1. Zero
	// picks a free port; see Addrs.
	Port int
	// Logger receives the broker's warnings and errors. Nil discards
	// them.
	Logger *slog.Logger
	// TLS, when not nil, makes the broker accept TLS connections only,
	// with this server configuration. For tests of secured clients.
	TLS *tls.Config
	// Users, when not empty, makes the broker require SASL: each entry
	// is a superuser with its mechanism and password. For tests of
	// secured clients.
	Users []SASL
}

// Embedded is a single Kafka broker running inside the process (kfake),
// speaking the Kafka protocol on 127.0.0.1. It backs `tally demo`, tests
// and `tally run` when no brokers are configured; the rest of tally
// talks to it like to any cluster, through Open(Config{Brokers:
// e.Addrs()}).
//
// It is a development broker: one node in the process, so no
// replication, writes through the page cache without fsync, and no
// broker while the process is down. `tally run` says so in a warning at
// every start on it.
//
// It does not auto-create topics: create them with Log.EnsureTopic.
// Without a DataDir, retention is not enforced across restarts because
// nothing survives one.
type Embedded struct {
	cluster *kfake.Cluster
	addrs   []string
	once    sync.Once
}

// StartEmbedded starts a broker and returns once it accepts connections.
// With a DataDir that holds the state of an earlier broker, that state
// is loaded first.
func StartEmbedded(opts EmbeddedOptions) (*Embedded, error) {
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("starting embedded broker: port %d out of range", opts.Port)
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(opts.Port),
		kfake.WithLogger(kfakeLogger{orDiscard(opts.Logger)}),
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
	}
	if opts.TLS != nil {
		kopts = append(kopts, kfake.TLS(opts.TLS))
	}
	if len(opts.Users) > 0 {
		kopts = append(kopts, kfake.EnableSASL())
		for _, u := range opts.Users {
			kopts = append(kopts, kfake.Superuser(u.Mechanism, u.Username, u.Password))
		}
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("starting embedded broker: %w", err)
	}
	return &Embedded{cluster: c, addrs: c.ListenAddrs()}, nil
}

// Addrs returns the broker's listen address, host:port, as a one-element
// list ready for Config.Brokers.
func (e *Embedded) Addrs() []string {
	return append([]string(nil), e.addrs...)
}

// Close stops the broker; with a DataDir it first writes its state to
// disk. Clients still connected see their connections closed. Close may
// be called more than once.
func (e *Embedded) Close() error {
	e.once.Do(e.cluster.Close)
	return nil
}
