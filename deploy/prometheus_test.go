package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// promtool returns the path of promtool; without it the test skips
// locally and fails under CI=true (.ci/run installs it with
// deploy/dev/ensure-promtool.sh).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is required under CI=true: run deploy/dev/ensure-promtool.sh")
		}
		t.Skip("promtool not installed (deploy/dev/ensure-promtool.sh installs it)")
	}
	return p
}

func TestAlertRulesCheck(t *testing.T) {
	out, err := exec.Command(promtool(t), "check", "rules", filepath.Join("prometheus", "tally-alerts.yml")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestAlertRulesUnitTests(t *testing.T) {
	cmd := exec.Command(promtool(t), "test", "rules", "tally-alerts.test.yml")
	cmd.Dir = "prometheus"
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// TestAlertsCoverIssue keeps the alerts the operator relies on, each
// with a summary, a description and a runbook hint.
func TestAlertsCoverIssue(t *testing.T) {
	doc := readYAML(t, filepath.Join("prometheus", "tally-alerts.yml"))
	seen := map[string]bool{}
	for _, g := range doc["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			name, _ := rule["alert"].(string)
			seen[name] = true
			ann, _ := rule["annotations"].(map[string]any)
			for _, k := range []string{"summary", "description", "runbook"} {
				if s, _ := ann[k].(string); s == "" {
					t.Errorf("alert %s has no %s", name, k)
				}
			}
			if sev, _ := rule["labels"].(map[string]any)["severity"].(string); sev != "warning" && sev != "critical" {
				t.Errorf("alert %s severity %q", name, sev)
			}
		}
	}
	for _, want := range []string{"TallySyncStale", "TallyQuarantineSpike", "TallyPersonalValueKept",
		"TallyReadOnlyGuardRefusal", "TallyPurgeMissed", "TallyPurgeUnverified", "TallyConsumerLagGrowing",
		"TallyWarehouseOutage"} {
		if !seen[want] {
			t.Errorf("alert %s missing", want)
		}
	}
}
