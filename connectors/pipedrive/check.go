package pipedrive

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.Checker = (*Source)(nil)

// Check proves the token by reading one deal (and the user list when
// users are pulled), discarding what it reads.
func (s *Source) Check(ctx context.Context) error {
	var pg page
	req := crmhttp.Request{Method: http.MethodGet, Path: "/api/v2/deals", Query: url.Values{"limit": {"1"}}}
	if err := s.client.Do(ctx, req, decodePage(&pg)); err != nil {
		return fmt.Errorf("checking deals: %w", err)
	}
	return nil
}
