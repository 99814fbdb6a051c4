package main

import (
	"context"
	"fmt"
)

// startDemoAdmin serves the status page while the demo runs and prints
// its URL (nil when admin listening is off or its default address is
// taken).
func startDemoAdmin(g *globals, a *app, o demoOptions) (*adminServer, error) {
	a.cfg.Admin.Listen = o.adminListen
	adm, err := startAdmin(a, false)
	if err != nil || adm == nil {
		return adm, err
	}
	fmt.Fprintf(g.stdout, "status page: %s\n", adm.URL())
	return adm, nil
}

// serveDemo keeps the status page up after the pass with --serve,
// until ctx is done (Ctrl-C).
func serveDemo(ctx context.Context, g *globals, adm *adminServer, o demoOptions) error {
	if !o.serve || adm == nil {
		return nil
	}
	fmt.Fprintf(g.stdout, "serving %s until interrupted (Ctrl-C)\n", adm.URL())
	<-ctx.Done()
	return nil
}
