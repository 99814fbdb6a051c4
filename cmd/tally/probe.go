package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// probeTimeout bounds one `tally probe`.
const probeTimeout = 5 * time.Second

// probeCmd is a container health check for images without a shell or
// curl (the distroless image): GET a URL of the admin listener and exit
// 0 on a 2xx answer, 1 otherwise. It reads no configuration.
func probeCmd(g *globals) *cobra.Command {
	var tokenEnv string
	cmd := &cobra.Command{
		Use:   "probe URL",
		Short: "GET an admin URL (e.g. http://127.0.0.1:9465/healthz) and exit 0 on 2xx: a health check for containers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := url.Parse(args[0])
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return withCode(exitConfig, fmt.Errorf("probe: url must be an absolute http or https url"))
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), probeTimeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
			if err != nil {
				return withCode(exitConfig, fmt.Errorf("probe: building the request: %w", err))
			}
			if tokenEnv != "" {
				tok := os.Getenv(tokenEnv)
				if tok == "" {
					return withCode(exitConfig, fmt.Errorf("probe: %s is not set", tokenEnv))
				}
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("probe %s: no answer", u.Redacted())
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				return fmt.Errorf("probe %s: status %d", u.Redacted(), resp.StatusCode)
			}
			fmt.Fprintf(g.stdout, "%s: %d\n", u.Redacted(), resp.StatusCode)
			return nil
		},
	}
	cmd.Flags().StringVar(&tokenEnv, "token-env", "", "environment variable holding the admin bearer token (admin.token), when the URL needs it")
	return cmd
}
