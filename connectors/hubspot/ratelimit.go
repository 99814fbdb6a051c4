package hubspot

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// RateLimitWait reads HubSpot's rate-limit headers: when the rolling or
// secondly budget is spent, wait the interval they name.
func RateLimitWait(h http.Header) (time.Duration, bool) {
	if h.Get("X-HubSpot-RateLimit-Remaining") != "0" && h.Get("X-HubSpot-RateLimit-Secondly-Remaining") != "0" {
		return 0, false
	}
	ms, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))
	if err != nil || ms <= 0 {
		return time.Second, true
	}
	return time.Duration(ms) * time.Millisecond, true
}

// IsDailyLimit reports whether a 429 body is HubSpot's daily limit,
// which no retry today will get past.
func IsDailyLimit(_ http.Header, body []byte) bool {
	var b struct {
		PolicyName string `json:"policyName"`
	}
	return json.Unmarshal(body, &b) == nil && b.PolicyName == "DAILY"
}
