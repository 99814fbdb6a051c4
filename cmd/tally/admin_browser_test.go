package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// browserYAML runs two HubSpot connectors of one tenant against the
// fake: "hubspot" with the right token and "legacy" with a wrong one,
// whose streams stop on the 401 and stay stuck.
const browserYAML = `data_dir: %q
tenants:
  - id: acme
    connectors:
      - kind: hubspot
        options:
          base_url: %q
          token: ${TALLY_TEST_HUBSPOT_TOKEN}
          search_lag: 0s
      - kind: hubspot
        name: legacy
        options:
          base_url: %q
          token: ${TALLY_TEST_WRONG_TOKEN}
          search_lag: 0s
warehouse:
  driver: sqlite
  path: %q
pseudonyms:
  master_key_file: %q
sync:
  interval: 1h
admin:
  listen: %q
log:
  level: info
`

// TestStatusPageInBrowser runs `tally run` serving the status page and
// loads it in headless Chromium: every stream has its row with its
// counts, and the streams of the connector with a wrong token show as
// stuck. It skips without Chromium, except under CI=true. With
// TALLY_SCREENSHOT set, the page's screenshot is written there (make
// screenshot: docs/status-page.png).
func TestStatusPageInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (.ci/run installs it): %v", chromiumPath, err)
		}
		t.Skipf("no %s; install Debian's chromium to run the browser test", chromiumPath)
	}
	ds := hubspottest.Generate(11, hubspottest.Sizes{Owners: 4, Deals: 60, Contacts: 20})
	ds.SetProperty("deals", ds.ID("deals", 3), "deal_currency_code", hostilePhone) // quarantined (rule phone)
	srv := hubspottest.NewServer(ds, hubspottest.Options{Token: testToken})
	t.Cleanup(srv.Close)
	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", testToken)
	t.Setenv("TALLY_TEST_WRONG_TOKEN", "pat-wrong-token-0000")
	dir := t.TempDir()
	key := filepath.Join(dir, "master.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("test-master-key-", 4)), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tally.yaml")
	yml := fmt.Sprintf(browserYAML, filepath.Join(dir, "data"), srv.URL(), srv.URL(), filepath.Join(dir, "tally.db"), key, addr)
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runCtx, stopRun := context.WithCancel(ctx)
	logs := &pipelinetest.LogBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(runCtx, []string{"run", "-c", cfg}, io.Discard, logs) }()
	defer func() {
		stopRun()
		if code := <-done; code != exitOK {
			t.Errorf("tally run exited %d:\n%s", code, tail(logs.String(), 3000))
		}
	}()
	url := "http://" + addr + "/"
	waitFor(t, func() bool { return strings.Contains(logs.String(), url) }) // the URL is logged at start
	// Both connectors' passes are recorded: three streams each.
	waitFor(t, func() bool {
		_, body := getMaybe(url + "api/v1/status")
		return strings.Count(body, `"last_pass": {`) == 6
	})

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1600, 1000))...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	type row struct {
		Stream, State, Pulled, Written, Quarantined, Text string
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible(`#streams`)); err != nil {
		t.Fatalf("loading the status page in Chromium: %v", err)
	}
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[[]row](`Array.from(document.querySelectorAll('#streams tr.stream')).map(r => ({
		Stream: r.dataset.stream, State: r.dataset.state,
		Pulled: r.querySelector('.pulled').textContent, Written: r.querySelector('.written').textContent,
		Quarantined: r.querySelector('.quarantined').textContent, Text: r.querySelector('.state').textContent}))`))
	if err != nil {
		t.Fatalf("reading the stream rows: %v", err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking a screenshot: %v", err)
	}
	want := map[string]row{
		"acme/hubspot/deal": {State: "ok", Pulled: "60", Written: "59", Quarantined: "1"},
		"acme/hubspot/lead": {State: "ok", Pulled: "20", Written: "20", Quarantined: "0"},
		"acme/hubspot/user": {State: "ok", Pulled: "4", Written: "4", Quarantined: "0"},
		"acme/legacy/deal":  {State: "stuck", Pulled: "0", Written: "0", Quarantined: "0"},
		"acme/legacy/lead":  {State: "stuck", Pulled: "0", Written: "0", Quarantined: "0"},
		"acme/legacy/user":  {State: "stuck", Pulled: "0", Written: "0", Quarantined: "0"},
	}
	if len(rows) != len(want) {
		t.Errorf("the page shows %d stream rows, want %d: %+v", len(rows), len(want), rows)
	}
	for _, r := range rows {
		w, ok := want[r.Stream]
		if !ok {
			t.Errorf("unexpected row %+v", r)
			continue
		}
		if r.State != w.State || r.Pulled != w.Pulled || r.Written != w.Written || r.Quarantined != w.Quarantined {
			t.Errorf("row %s = state %s pulled %s written %s quarantined %s, want %+v", r.Stream, r.State, r.Pulled, r.Written, r.Quarantined, w)
		}
		if w.State == "stuck" && !strings.Contains(r.Text, "STUCK: stopped: config") {
			t.Errorf("row %s state cell %q, want it marked STUCK: stopped: config", r.Stream, r.Text)
		}
	}
	if len(png) < 1000 {
		t.Errorf("screenshot of %d bytes", len(png))
	}
	if p := os.Getenv("TALLY_SCREENSHOT"); p != "" {
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot written to %s", p)
	}
}

// freeAddr returns a 127.0.0.1 address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
