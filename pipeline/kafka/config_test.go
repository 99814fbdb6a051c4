package kafka

import (
	"strings"
	"testing"
)

func TestValidateNeverEchoesBrokerAddresses(t *testing.T) {
	const secret = "Pw9xSecretQ"
	for _, tc := range []struct{ addr, want string }{
		{"user:" + secret + "@broker:9092", "without scheme or user information"},
		{"sasl_ssl://user:" + secret + "@broker:9092", "without scheme or user information"},
		{"broker-" + secret, "want host:port"},
	} {
		err := Config{Brokers: []string{tc.addr}}.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("Validate(%q) = %v, want %q and no password", tc.addr, err, tc.want)
		}
	}
}
