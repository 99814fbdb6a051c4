package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestStreamReportResultAndKind: every way a pass ends has a result and
// a short kind, never the message.
func TestStreamReportResultAndKind(t *testing.T) {
	for _, tc := range []struct {
		err          error
		result, kind string
	}{
		{nil, ResultOK, ""},
		{fmt.Errorf("page 3: %w", ErrQuota), ResultQuota, "quota"},
		{&OutageError{What: "warehouse", Err: errors.New("x")}, ResultOutage, "outage"},
		{fmt.Errorf("syncing: %w", ErrConfig), ResultStopped, "config"},
		{fmt.Errorf("syncing: %w", ErrTransient), ResultStopped, "transient"},
		{fmt.Errorf("syncing: %w", ErrForbidden), ResultStopped, "forbidden"},
		{context.Canceled, ResultStopped, "canceled"},
		{context.DeadlineExceeded, ResultStopped, "timeout"},
		{errors.New("value jane@example.org broke it"), ResultStopped, "other"},
	} {
		s := StreamReport{Err: tc.err}
		if s.Result() != tc.result || s.ErrorKind() != tc.kind {
			t.Errorf("%v: Result %q ErrorKind %q, want %q %q", tc.err, s.Result(), s.ErrorKind(), tc.result, tc.kind)
		}
	}
}
