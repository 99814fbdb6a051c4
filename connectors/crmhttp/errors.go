package crmhttp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/tally-dev/tally/pipeline"
)

// StatusError maps a final non-2xx answer of endpoint (a route pattern)
// to an error kind; it is the one place tally does so:
//
//   - 429 that the Quota hook calls exhausted: pipeline.ErrQuota
//   - 401, 403: pipeline.ErrConfig, naming the AuthHint
//   - other 429, 5xx (after retries): pipeline.ErrTransient
//   - any other status: a plain error naming status and endpoint
//
// The body is never quoted, since vendors echo input in it; only
// enum-like vendor fields (category, subCategory, errorType, policyName)
// are named.
func (c *Client) StatusError(endpoint string, status int, h http.Header, body []byte, tries int) error {
	detail := vendorDetail(body)
	switch {
	case status == http.StatusTooManyRequests && c.opts.Quota != nil && c.opts.Quota(h, body):
		return fmt.Errorf("%s %s: request budget spent (%d%s): %w", c.vendor, endpoint, status, detail, pipeline.ErrQuota)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		hint := c.opts.AuthHint
		if hint == "" {
			hint = "the configured token and its permissions"
		}
		return fmt.Errorf("%s rejected the token (%d%s): check %s: %w", c.vendor, status, detail, hint, pipeline.ErrConfig)
	case status == http.StatusTooManyRequests || status >= 500:
		return fmt.Errorf("%s %s: status %d%s after %d attempts: %w", c.vendor, endpoint, status, detail, tries, pipeline.ErrTransient)
	}
	return fmt.Errorf("%s %s: unexpected status %d%s", c.vendor, endpoint, status, detail)
}

var enumValue = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// vendorDetail returns ", category X, policyName Y" for the enum-like
// fields of a JSON error body, or "".
func vendorDetail(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var b strings.Builder
	for _, k := range []string{"category", "subCategory", "errorType", "policyName"} {
		if v, ok := m[k].(string); ok && enumValue.MatchString(v) {
			fmt.Fprintf(&b, ", %s %s", k, v)
		}
	}
	return b.String()
}
