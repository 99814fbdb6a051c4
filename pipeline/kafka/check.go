package kafka

import (
	"context"
	"errors"
)

// BrokerStatus is what Check learned from one bootstrap broker.
type BrokerStatus struct {
	// Addr is the bootstrap broker's host:port.
	Addr string
	// Brokers is the number of brokers in the cluster's metadata.
	Brokers int
	// Err is why the broker could not be reached, a *BrokerError; nil
	// when it answered.
	Err error
}

// Check connects to every bootstrap broker the way the consumer group and
// the partition readers do (dial, TLS handshake, SASL authentication)
// and asks it for the cluster's metadata, each within the admin timeout.
// It returns one status per bootstrap broker, in Config.Brokers order,
// and the failures joined.
func (l *Log) Check(ctx context.Context) ([]BrokerStatus, error) {
	out := make([]BrokerStatus, len(l.cfg.Brokers))
	var errs []error
	for i, addr := range l.cfg.Brokers {
		n, err := l.checkBroker(ctx, addr)
		out[i] = BrokerStatus{Addr: addr, Brokers: n, Err: err}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func (l *Log) checkBroker(ctx context.Context, addr string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	conn, err := l.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		var be *BrokerError
		if errors.As(err, &be) {
			return 0, be
		}
		return 0, &BrokerError{Addr: addr, Step: StepDial, Err: err}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return 0, &BrokerError{Addr: addr, Step: StepRequest, Err: err}
		}
	}
	brokers, err := conn.Brokers()
	if err != nil {
		return 0, &BrokerError{Addr: addr, Step: StepRequest, Err: l.dial.hintTLS(err)}
	}
	return len(brokers), nil
}
