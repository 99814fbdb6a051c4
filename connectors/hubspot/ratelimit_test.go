package hubspot

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
)

func TestRateLimitWait(t *testing.T) {
	tests := []struct {
		name     string
		headers  map[string]string
		want     time.Duration
		wantWait bool
	}{
		{"budget left", map[string]string{"X-HubSpot-RateLimit-Remaining": "3", "X-HubSpot-RateLimit-Secondly-Remaining": "1", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, 0, false},
		{"rolling spent", map[string]string{"X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, 10 * time.Second, true},
		{"secondly spent", map[string]string{"X-HubSpot-RateLimit-Remaining": "9", "X-HubSpot-RateLimit-Secondly-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "250"}, 250 * time.Millisecond, true},
		{"spent, no interval", map[string]string{"X-HubSpot-RateLimit-Remaining": "0"}, time.Second, true},
		{"no headers", nil, 0, false},
	}
	for _, tc := range tests {
		h := http.Header{}
		for k, v := range tc.headers {
			h.Set(k, v)
		}
		got, ok := RateLimitWait(h)
		if got != tc.want || ok != tc.wantWait {
			t.Errorf("%s: RateLimitWait = %v, %v, want %v, %v", tc.name, got, ok, tc.want, tc.wantWait)
		}
	}
}

func TestIsDailyLimit(t *testing.T) {
	daily, _ := json.Marshal(hubspottest.Fixture("rate-limit-429-daily"))
	secondly := hubspottest.Fixture("rate-limit-429-daily")
	secondly["policyName"] = "TEN_SECONDLY_ROLLING"
	burst, _ := json.Marshal(secondly)
	for _, tc := range []struct {
		body []byte
		want bool
	}{{daily, true}, {burst, false}, {[]byte("<html>"), false}, {nil, false}} {
		if got := IsDailyLimit(nil, tc.body); got != tc.want {
			t.Errorf("IsDailyLimit(%.40s) = %v, want %v", tc.body, got, tc.want)
		}
	}
}
