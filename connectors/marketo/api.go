package marketo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// envelope is every REST and bulk JSON answer
// (error-response-level.example.json and the others).
type envelope struct {
	Success       *bool           `json:"success"`
	Errors        []apiError      `json:"errors"`
	Result        json.RawMessage `json:"result"`
	NextPageToken string          `json:"nextPageToken"`
	MoreResult    bool            `json:"moreResult"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// APIError is a response-level error Marketo answered with HTTP 200 and
// success:false. It carries the code and the endpoint pattern, never the
// message, which may echo input.
type APIError struct {
	Endpoint string
	Code     string
	kind     error
}

func (e *APIError) Error() string {
	what := codeNames[e.Code]
	if what == "" {
		what = "error"
	}
	return fmt.Sprintf("marketo %s: %s (code %s)", e.Endpoint, what, e.Code)
}

// Unwrap returns the error kind, if any.
func (e *APIError) Unwrap() error { return e.kind }

var codeNames = map[string]string{
	"600": "access token not specified", "601": "access token invalid", "602": "access token expired",
	"603": "access denied", "604": "request timed out", "606": "rate limit exceeded", "607": "daily quota reached",
	"608": "api temporarily unavailable", "611": "system error", "615": "concurrent access limit reached",
	"1003": "request refused", "1029": "export queue full or export quota exceeded", "1035": "unsupported filter type",
}

// call sends r and returns Marketo's envelope when success is true. With
// raw set, a body that is not a JSON object (a CSV file) is returned in
// raw instead. Response-level errors are handled here: 600/601/602
// refresh the token and retry once, 604/606/608/611/615 and a full export
// queue back off and retry up to max_retries times, 607 and the export
// quota return pipeline.ErrQuota, 603 pipeline.ErrConfig.
func (s *Source) call(ctx context.Context, r crmhttp.Request, raw *[]byte) (*envelope, error) {
	refreshed, retries := false, 0
	endpoint := r.Method + " " + r.Path
	if rt, ok := AllowList.Match(r.Method, pathURL(r.Path)); ok {
		endpoint = rt.String()
	}
	for {
		if err := s.auth.ensure(ctx, false); err != nil {
			return nil, err
		}
		var env envelope
		isRaw := false
		err := s.client.Do(ctx, r, func(b []byte) error {
			if raw != nil && !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
				*raw, isRaw = b, true
				return nil
			}
			env = envelope{}
			if err := json.Unmarshal(b, &env); err != nil {
				return err
			}
			if env.Success == nil {
				return errors.New("no success field")
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("marketo: %w", err)
		}
		if isRaw || *env.Success {
			return &env, nil
		}
		code := ""
		if len(env.Errors) > 0 {
			code = env.Errors[0].Code
		}
		apiErr := &APIError{Endpoint: endpoint, Code: code}
		var wait time.Duration
		switch code {
		case "600", "601", "602":
			if refreshed {
				apiErr.kind = pipeline.ErrConfig
				return nil, apiErr
			}
			refreshed = true
			s.log.Info("marketo access token refused, renewing", "error", apiErr.Error())
			if err := s.auth.ensure(ctx, true); err != nil {
				return nil, err
			}
			continue
		case "603":
			apiErr.kind = pipeline.ErrConfig
			return nil, apiErr
		case "607":
			apiErr.kind = pipeline.ErrQuota
			return nil, apiErr
		case "1029":
			if strings.Contains(strings.ToLower(env.Errors[0].Message), "quota") {
				apiErr.kind = pipeline.ErrQuota
				return nil, apiErr
			}
			wait = s.cfg.QueueWait
		case "606", "615":
			wait = s.cfg.RateLimitWait
		case "604", "608", "611", "713":
			wait = crmhttp.Backoff(s.cfg.RetryWaitMin, s.cfg.RetryWaitMax, retries)
		default:
			return nil, apiErr
		}
		if retries >= s.cfg.MaxRetries {
			apiErr.kind = pipeline.ErrTransient
			return nil, fmt.Errorf("%w after %d attempts", apiErr, retries+1)
		}
		retries++
		s.log.Warn("marketo asked to back off", "error", apiErr.Error(), "duration", wait, "count", retries)
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("marketo: %s: %w", endpoint, err)
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
