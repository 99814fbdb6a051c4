package main

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/tally-dev/tally/status"
)

// pageRefresh is how often the status page reloads itself.
const pageRefresh = 10

// page serves the status page: server-rendered, CSS embedded, no
// script and no external asset, so it works offline.
func (s *adminServer) page(w http.ResponseWriter, r *http.Request) {
	st := s.a.status(r.Context(), "", s.live, s.scheduled)
	var buf bytes.Buffer
	if err := statusPage.Execute(&buf, pageData{Status: st, Refresh: pageRefresh}); err != nil {
		s.a.logger.Warn("rendering the status page failed", "component", "admin", "error", err)
		http.Error(w, "rendering the status page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(buf.Bytes())
}

type pageData struct {
	status.Status
	Refresh int
}

// Stuck returns the streams stuck in an outage or stopped.
func (p pageData) Stuck() []status.Stream {
	var out []status.Stream
	for _, s := range p.Streams {
		if s.Stuck {
			out = append(out, s)
		}
	}
	return out
}

// Kept is the number of personal values kept, 0 when unknown.
func (p pageData) Kept() int64 {
	if p.PersonalKept == nil {
		return 0
	}
	return *p.PersonalKept
}

var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "unknown"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"lag": func(n *int64) string {
		if n == nil {
			return "unknown"
		}
		return fmt.Sprint(*n)
	},
	"yesno": func(b *bool) string {
		switch {
		case b == nil:
			return "not checked"
		case *b:
			return "verified"
		}
		return "NOT verified"
	},
	"deref": func(b *bool) bool { return b != nil && *b },
	"parts": partitionList,
	"age": func(secs *int64) string {
		if secs == nil {
			return "—"
		}
		return (time.Duration(*secs) * time.Second).String()
	},
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{{.Refresh}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tally status</title>
<style>
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}
header span{opacity:.8}
main{padding:16px 24px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 16px;margin:0 0 16px;overflow-x:auto}
h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 7px;border-bottom:1px solid #eceef2;white-space:nowrap}
th{font-weight:600;color:#4a5263;background:#fafbfc}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.stuck td{background:#fdecea}
.banner{padding:12px 24px;font-weight:600;color:#fff}
.breach{background:#c62828}
.warn{background:#e65100}
.ok{color:#2e7d32;font-weight:600}
.bad{color:#c62828;font-weight:600}
.muted{color:#6b7385}
code{font-size:12px}
</style>
</head>
<body>
<header><h1>tally status</h1><span>version {{.Version}}</span><span>generated {{when .GeneratedAt}}</span>
<span>{{if .Live}}run live{{else}}no run live in this process{{end}}</span>
{{if .PersonalKept}}<span>personal values kept: {{.Kept}}</span>{{end}}</header>
{{if gt .Kept 0}}<div class="banner breach" id="personal-kept">BREACH SIGNAL: {{.Kept}} personal value(s) were kept after the stages. Stop the pipeline and investigate (the guard stage should have quarantined them).</div>{{end}}
{{range .Outages}}<div class="banner warn outage">Outage: the {{.}} is unreachable; sync is retrying.</div>{{end}}
{{with .Stuck}}<div class="banner warn" id="stuck">{{len .}} stream(s) stuck: {{range $i, $s := .}}{{if $i}}, {{end}}{{$s.Tenant}}/{{$s.Connector}}/{{$s.Object}} ({{$s.Reason}}){{end}}</div>{{end}}
<main>
<section>
<h2>Streams</h2>
<table id="streams">
<thead><tr><th>Tenant</th><th>Connector</th><th>Object</th><th>State</th><th>Last pass</th><th>Result</th>
<th>Pulled</th><th>Written</th><th>Deleted</th><th>Quarantined</th><th>Consumer lag</th><th>Cursor age</th><th>Next pass</th></tr></thead>
<tbody>
{{range .Streams}}<tr class="stream{{if .Stuck}} stuck{{end}}" data-stream="{{.Tenant}}/{{.Connector}}/{{.Object}}" data-state="{{if .Stuck}}stuck{{else}}ok{{end}}">
<td>{{.Tenant}}</td><td>{{.Connector}}</td><td>{{.Object}}</td>
<td class="state">{{if .Stuck}}<span class="bad">STUCK: {{.Reason}}</span>{{else}}<span class="ok">ok</span>{{end}}</td>
{{with .LastPass}}<td>{{when .Ended}}</td><td class="result">{{.Result}}{{with .ErrorKind}} ({{.}}){{end}}</td>
<td class="n pulled">{{.Pulled}}</td><td class="n written">{{.Written}}</td><td class="n deleted">{{.Deleted}}</td><td class="n quarantined">{{.Quarantined}}</td>{{else}}<td class="muted">never</td><td></td><td class="n pulled">—</td><td class="n written">—</td><td class="n deleted">—</td><td class="n quarantined">—</td>{{end}}
<td class="n lag">{{lag .Lag}}</td><td>{{with .LastPass}}{{age .CursorAgeSeconds}}{{end}}</td><td>{{if .Halted}}<span class="bad">none: fix the configuration, restart</span>{{else}}{{whenp .NextPass}}{{end}}</td>
</tr>
{{else}}<tr><td colspan="13" class="muted">No stream has run yet.</td></tr>{{end}}
</tbody>
</table>
<p class="muted">Counts are those of the last pass. Consumer lag is the raw records published but not yet committed to the warehouse.</p>
</section>
<section>
<h2>Quarantine by rule (retained rows)</h2>
<table id="quarantine">
<thead><tr><th>Tenant</th><th>Connector</th><th>Object</th><th>Stage</th><th>Field</th><th>Rule</th><th>Records</th></tr></thead>
<tbody>
{{range .Quarantine}}<tr><td>{{.Tenant}}</td><td>{{.Connector}}</td><td>{{.Object}}</td><td>{{.Stage}}</td><td>{{.Field}}</td><td>{{.Rule}}</td><td class="n">{{.Count}}</td></tr>
{{else}}<tr><td colspan="7" class="muted">Nothing quarantined.</td></tr>{{end}}
</tbody>
</table>
</section>
<section id="privacy">
<h2>Purge and erasure</h2>
<p>Personal values kept after the stages: {{if .PersonalKept}}{{if gt .Kept 0}}<span class="bad">{{.Kept}}</span>{{else}}<span class="ok">0</span>{{end}}{{else}}<span class="muted">unknown (no run live)</span>{{end}}</p>
<p>Last purge: {{with .LastPurge}}#{{.ID}} {{when .Started}}, {{.Status}}, {{.Removed}} row(s) removed, <span class="{{if .Verified}}{{if deref .Verified}}ok{{else}}bad{{end}}{{else}}muted{{end}}">{{yesno .Verified}}</span>{{else}}<span class="muted">none recorded</span>{{end}}</p>
<table id="terminations">
<thead><tr><th>Pending termination</th><th>Requested</th><th>Rows deleted after</th></tr></thead>
<tbody>
{{range .Terminations}}<tr><td>{{.Tenant}}</td><td>{{when .Requested}}</td><td>{{when .PurgeAfter}}</td></tr>
{{else}}<tr><td colspan="3" class="muted">No termination pending.</td></tr>{{end}}
</tbody>
</table>
<table id="receipts">
<thead><tr><th>Erasure receipts</th><th>Receipts</th><th>Chain head</th><th>Chain</th></tr></thead>
<tbody>
{{range .Erasures}}<tr><td>{{.Tenant}}</td><td class="n">{{.Receipts}}</td><td><code>{{if .Head}}{{.Head}}{{else}}—{{end}}</code></td><td>{{if deref .Verified}}<span class="ok">verifies</span>{{else}}<span class="bad">DOES NOT verify</span>{{end}}</td></tr>
{{else}}<tr><td colspan="4" class="muted">No receipt chain read.</td></tr>{{end}}
</tbody>
</table>
</section>
<section id="fleet">
<h2>Processes</h2>
<table id="processes">
<thead><tr><th>Process</th><th>Host</th><th>PID</th><th>Started</th><th>Heartbeat</th><th>Connector leases</th><th>Consumer partitions</th></tr></thead>
<tbody>
{{range .Processes}}<tr class="process" data-holder="{{.Holder}}"><td><code>{{.Holder}}</code>{{if .Self}} <span class="muted">(this process)</span>{{end}}</td><td>{{.Host}}</td><td class="n">{{.PID}}</td>
<td>{{when .Started}}</td><td>{{when .Heartbeat}}</td>
<td class="leases">{{range $i, $b := .Leases}}{{if $i}}, {{end}}{{$b.Tenant}}/{{$b.Connector}}{{else}}<span class="muted">none</span>{{end}}</td>
<td class="partitions">{{if .Generation}}{{range $i, $t := .Partitions}}{{if $i}}<br>{{end}}<code>{{$t.Topic}}</code>: {{parts $t.Partitions}}{{else}}<span class="muted">none</span>{{end}}{{else}}<span class="muted">not a group member now</span>{{end}}</td></tr>
{{else}}<tr><td colspan="7" class="muted">No live tally run process recorded.</td></tr>{{end}}
</tbody>
</table>
<table id="leases">
<thead><tr><th>Tenant</th><th>Connector</th><th>Lease</th><th>Holder</th><th>Since</th><th>Expires</th><th>Fencing token</th></tr></thead>
<tbody>
{{range .Leases}}<tr class="lease" data-binding="{{.Tenant}}/{{.Connector}}"><td>{{.Tenant}}</td><td>{{.Connector}}</td><td>{{if .Held}}<span class="ok">held</span>{{else}}<span class="muted">free</span>{{end}}</td>
<td><code>{{.Holder}}</code></td><td>{{when .Since}}</td><td>{{when .Expires}}</td><td class="n">{{.Token}}</td></tr>
{{else}}<tr><td colspan="7" class="muted">No connector lease (a SQLite warehouse, or no tally run on PostgreSQL yet).</td></tr>{{end}}
</tbody>
</table>
<p class="muted">A connector is pulled only by the holder of its lease; the consumer group spreads the topics' partitions over the processes.</p>
</section>
{{with .Unavailable}}<section><h2>Unavailable</h2><p class="bad">Could not read: {{range $i, $p := .}}{{if $i}}, {{end}}{{$p}}{{end}}. The rest of the page is current.</p></section>{{end}}
<p class="muted">Refreshes every {{.Refresh}}s. The same data: <code>/api/v1/status</code>, <code>tally status --json</code>.</p>
</main>
</body>
</html>
`
