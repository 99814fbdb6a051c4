package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
)

// TestReadmeFailureContract keeps the README's "Failure handling"
// section true: every test and file it cites as evidence exists, and
// every exit code and publish rule the code defines is stated.
func TestReadmeFailureContract(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sec := section(string(b), "## Failure handling")
	if sec == "" {
		t.Fatal(`README has no "## Failure handling" section`)
	}
	funcs := testFuncs(t, "../..")
	for _, m := range regexp.MustCompile("`(Test[A-Za-z0-9_]+)`").FindAllStringSubmatch(sec, -1) {
		if !funcs[m[1]] {
			t.Errorf("README cites %s, which no test defines", m[1])
		}
	}
	for _, m := range regexp.MustCompile("`([a-z][a-z0-9_/]*\\.(?:go|txtar))`").FindAllStringSubmatch(sec, -1) {
		if _, err := os.Stat(filepath.Join("../..", m[1])); err != nil {
			t.Errorf("README cites %s: %v", m[1], err)
		}
	}
	for code, what := range map[int]string{exitFailed: "the run failed", exitConfig: "invalid configuration",
		exitLocked: "purge holds the warehouse lock", exitStopped: "a stream stopped", exitQuarantined: "quarantine.max_share"} {
		if !regexp.MustCompile(fmt.Sprintf(`(?:; |\*\*)%d(?:\*\*)? [^;]*%s`, code, regexp.QuoteMeta(what))).MatchString(sec) {
			t.Errorf("README does not state exit code %d (%s)", code, what)
		}
	}
	for _, rule := range []string{pipeline.RuleRange, pipeline.RuleSize, pipeline.RuleEncode} {
		if !strings.Contains(sec, "`"+rule+"`") {
			t.Errorf("README does not name the publish rule %q", rule)
		}
	}
}

// section returns the text from heading to the next heading of its level.
func section(doc, heading string) string {
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := doc[i+len(heading)+2:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// testFuncs returns the names of every Test function under root.
func testFuncs(t *testing.T, root string) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`)
	out := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		for _, m := range re.FindAllSubmatch(b, -1) {
			out[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
