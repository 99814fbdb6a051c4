package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/apiversions"
	"github.com/segmentio/kafka-go/protocol/saslauthenticate"
	"github.com/segmentio/kafka-go/protocol/saslhandshake"
	"github.com/segmentio/kafka-go/sasl"
)

// authenticate runs the SASL exchange on a fresh connection to addr with
// kafka-go's protocol messages and mechanisms, the way kafka-go's own
// transport does, but inside the dialer: its failure is then reported
// with the broker's address, and the broker's free-text error message
// (which tally does not control) is left out. ctx bounds the exchange.
func authenticate(ctx context.Context, conn net.Conn, clientID, addr string, mech sasl.Mechanism) error {
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
		defer conn.SetDeadline(time.Time{})
	}
	pc := protocol.NewConn(conn, clientID)
	r, err := pc.RoundTrip(new(apiversions.Request))
	if err != nil {
		return fmt.Errorf("negotiating api versions: %w", err)
	}
	res := r.(*apiversions.Response)
	if res.ErrorCode != 0 {
		return fmt.Errorf("negotiating api versions: %w", kafkago.Error(res.ErrorCode))
	}
	versions := map[protocol.ApiKey]int16{}
	for _, k := range res.ApiKeys {
		key := protocol.ApiKey(k.ApiKey)
		if key == protocol.SaslHandshake || key == protocol.SaslAuthenticate {
			versions[key] = key.SelectVersion(k.MinVersion, k.MaxVersion)
		}
	}
	pc.SetVersions(versions)

	hs, err := pc.RoundTrip(&saslhandshake.Request{Mechanism: mech.Name()})
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if code := hs.(*saslhandshake.Response).ErrorCode; code != 0 {
		return fmt.Errorf("handshake: mechanism %s: %w", mech.Name(), kafkago.Error(code))
	}
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	ctx = sasl.WithMetadata(ctx, &sasl.Metadata{Host: host, Port: port})
	sess, state, err := mech.Start(ctx)
	if err != nil {
		return fmt.Errorf("starting %s: %w", mech.Name(), err)
	}
	for done := false; !done; {
		m, err := pc.RoundTrip(&saslauthenticate.Request{AuthBytes: state})
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// Brokers reject credentials by closing the connection.
				return fmt.Errorf("%s: broker closed the connection: %w", mech.Name(), kafkago.SASLAuthenticationFailed)
			}
			return fmt.Errorf("%s: %w", mech.Name(), err)
		}
		res := m.(*saslauthenticate.Response)
		if res.ErrorCode != 0 {
			return fmt.Errorf("%s: %w", mech.Name(), kafkago.Error(res.ErrorCode))
		}
		if done, state, err = sess.Next(ctx, res.AuthBytes); err != nil {
			return fmt.Errorf("%s: %w", mech.Name(), err)
		}
	}
	return nil
}
