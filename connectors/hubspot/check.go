package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.Checker = (*Source)(nil)

// Check reads one record of every pulled object, with the projected
// properties, and discards it: it proves the token, its scopes and the
// property names without pulling anything.
func (s *Source) Check(ctx context.Context) error {
	for _, o := range s.objects {
		p := s.plans[o]
		q := url.Values{"limit": {"1"}}
		if len(p.props) > 0 {
			q.Set("properties", strings.Join(p.props, ","))
		}
		var pg page
		req := crmhttp.Request{Method: http.MethodGet, Path: p.path, Query: q}
		if err := s.client.Do(ctx, req, decodePage(&pg)); err != nil {
			return fmt.Errorf("checking %s: %w", p.name, err)
		}
	}
	return nil
}
