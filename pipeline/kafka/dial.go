package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/metadata"
	"github.com/segmentio/kafka-go/sasl"

	"github.com/tally-dev/tally/pipeline"
)

// Steps of reaching a broker, as BrokerError.Step names them.
const (
	StepDial    = "dial"
	StepTLS     = "tls handshake"
	StepSASL    = "sasl authentication"
	StepRequest = "first request"
)

// BrokerError is a failure to reach a broker: its address, the step that
// failed and why. It never holds a credential. It wraps
// pipeline.ErrConfig when the settings or credentials are wrong (an
// untrusted certificate, a rejected password, TLS spoken to a plaintext
// listener or the reverse) and pipeline.ErrTransient otherwise.
type BrokerError struct {
	// Addr is the broker's host:port; a comma-separated list when the
	// client could not tell which bootstrap broker failed.
	Addr string
	Step string
	Err  error

	at time.Time // when the dialer recorded it
}

func (e *BrokerError) Error() string {
	return fmt.Sprintf("kafka broker %s: %s: %v", e.Addr, e.Step, e.Err)
}

func (e *BrokerError) Unwrap() []error { return []error{e.Err, e.kind()} }

func (e *BrokerError) kind() error {
	switch e.Step {
	case StepSASL:
		// A rejection (the broker's error code, or the connection
		// closed on the credentials) is for the operator to fix; a
		// network failure during the exchange is not.
		// (kafka-go's Error also satisfies net.Error: test it first.)
		var kerr kafkago.Error
		var nerr net.Error
		if errors.As(e.Err, &kerr) || !errors.As(e.Err, &nerr) && !errors.Is(e.Err, syscall.ECONNRESET) &&
			!errors.Is(e.Err, syscall.EPIPE) && !errors.Is(e.Err, context.DeadlineExceeded) {
			return pipeline.ErrConfig
		}
	case StepTLS:
		var (
			verify  *tls.CertificateVerificationError
			header  tls.RecordHeaderError
			alert   tls.AlertError
			unknown x509.UnknownAuthorityError
			host    x509.HostnameError
		)
		if errors.As(e.Err, &verify) || errors.As(e.Err, &header) || errors.As(e.Err, &alert) ||
			errors.As(e.Err, &unknown) || errors.As(e.Err, &host) {
			return pipeline.ErrConfig
		}
	}
	if errors.Is(e.Err, errTLSListener) {
		return pipeline.ErrConfig
	}
	return pipeline.ErrTransient
}

// errTLSListener explains a plaintext connection the broker closed
// before answering its first request.
var errTLSListener = errors.New("the broker closed the connection before answering; " +
	"if its listener expects TLS (SASL_SSL or SSL), set kafka.tls")

// dialer opens the connections of the producer, the admin client, the
// consumer group and the partition readers: it dials, makes the TLS
// handshake and runs the SASL exchange itself, so that each failure
// names its broker and step. kafka-go gets an authenticated connection.
type dialer struct {
	tls      *tls.Config    // nil: plaintext
	mech     sasl.Mechanism // nil: no SASL
	clientID string
	timeout  time.Duration
	net      net.Dialer
	// last is the most recent failure, nil after a success: kafka-go's
	// admin client reports a broker it could not reach as "broker not
	// available" and drops the cause.
	last atomic.Pointer[BrokerError]
}

func newDialer(tlsCfg *tls.Config, mech sasl.Mechanism, clientID string, timeout time.Duration) *dialer {
	return &dialer{tls: tlsCfg, mech: mech, clientID: clientID, timeout: timeout,
		net: net.Dialer{KeepAlive: 30 * time.Second}}
}

// DialContext connects to addr, completes the TLS handshake and the SASL
// exchange when configured, all within the dialer's timeout.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := d.dial(ctx, network, addr)
	if err != nil {
		var be *BrokerError
		if errors.As(err, &be) {
			be.at = time.Now()
			d.last.Store(be)
		}
		return nil, err
	}
	d.last.Store(nil)
	return conn, nil
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	conn, err := d.net.DialContext(ctx, network, addr)
	if err != nil {
		return nil, &BrokerError{Addr: addr, Step: StepDial, Err: err}
	}
	if d.tls != nil {
		cfg := d.tls
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &BrokerError{Addr: addr, Step: StepTLS, Err: err}
		}
		conn = tc
	}
	if d.mech != nil {
		if err := authenticate(ctx, conn, d.clientID, addr, d.mech); err != nil {
			conn.Close()
			return nil, &BrokerError{Addr: addr, Step: StepSASL, Err: d.hintTLS(err)}
		}
		return conn, nil
	}
	if d.tls == nil {
		return &firstReadConn{Conn: conn, addr: addr, d: d}, nil
	}
	return conn, nil
}

// firstReadConn records a plaintext connection that the broker closes
// before sending a byte (a TLS listener does that to a plaintext
// client), for brokerError: kafka-go reports only "unexpected EOF".
type firstReadConn struct {
	net.Conn
	addr string
	d    *dialer
	read atomic.Bool
}

func (c *firstReadConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.read.Store(true)
	} else if err != nil && !c.read.Load() && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
		c.d.last.Store(&BrokerError{Addr: c.addr, Step: StepRequest, Err: fmt.Errorf("%w: %w", errTLSListener, err),
			at: time.Now()})
	}
	return n, err
}

// hintTLS explains a connection closed at the first request of a
// plaintext client: the usual sign of a TLS listener.
func (d *dialer) hintTLS(err error) error {
	if d.tls == nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return fmt.Errorf("%w: %w", errTLSListener, err)
	}
	return err
}

// brokerError labels err, returned by kafka-go, with the broker and step
// of the latest failed connection when err does not carry one.
func (l *Log) brokerError(err error) error {
	var be *BrokerError
	if err == nil || errors.As(err, &be) {
		return err
	}
	var nerr net.Error
	connErr := errors.Is(err, kafkago.BrokerNotAvailable) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &nerr)
	if last := l.dial.last.Load(); connErr && last != nil && time.Since(last.at) < 2*adminTimeout {
		return fmt.Errorf("%w (%w)", last, err)
	}
	return err
}

// why explains an error of kafka-go's admin client, which reports a
// broker it could not talk to as "broker not available" without the
// cause: a metadata request through the transport finds the cause.
func (l *Log) why(ctx context.Context, err error) error {
	err = l.brokerError(err)
	var be *BrokerError
	if errors.As(err, &be) || !errors.Is(err, kafkago.BrokerNotAvailable) {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	if _, perr := l.transport.RoundTrip(ctx, l.client.Addr, &metadata.Request{}); perr != nil {
		if perr := l.brokerError(perr); errors.As(perr, &be) {
			return fmt.Errorf("%w (%w)", perr, err)
		}
	}
	return err
}
