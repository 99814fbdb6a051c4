package tally_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tally-dev/tally"

// imports returns the direct non-test imports of every package.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[f[0]] = f[1:]
	}
	return m
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func under(pkg, dir string) bool {
	p := module + "/" + dir
	return pkg == p || strings.HasPrefix(pkg, p+"/")
}

// TestImportDirection enforces the layout table of DESIGN.md.
func TestImportDirection(t *testing.T) {
	all := imports(t)
	for pkg, imps := range all {
		for _, imp := range imps {
			switch {
			case pkg == module+"/pipeline" && !isStd(imp):
				t.Errorf("%s imports %s: the pipeline core uses only the standard library", pkg, imp)
			case under(pkg, "transforms") && (imp == "net" || strings.HasPrefix(imp, "net/") ||
				strings.HasPrefix(imp, "database/") || imp == "os/exec" || imp == "os" ||
				(!isStd(imp) && !under(imp, "pipeline") && !under(imp, "schemas") && !under(imp, "transforms"))):
				t.Errorf("%s imports %s: transforms are pure (no network, database, files or Kafka)", pkg, imp)
			case under(pkg, "transforms") && under(imp, "pipeline/kafka"), under(pkg, "transforms") && imp == module+"/pipeline/config":
				t.Errorf("%s imports %s: transforms depend only on pipeline and schemas", pkg, imp)
			case under(pkg, "schemas") && !isStd(imp) && imp != "gopkg.in/yaml.v3":
				t.Errorf("%s imports %s: schemas are data", pkg, imp)
			case under(pkg, "connectors") && (under(imp, "warehouse") || under(imp, "transforms") || under(imp, "pipeline/kafka")):
				t.Errorf("%s imports %s: connectors only pull", pkg, imp)
			case under(pkg, "warehouse") && (under(imp, "connectors") || under(imp, "pipeline/kafka")):
				t.Errorf("%s imports %s: the warehouse knows no connector or log", pkg, imp)
			}
		}
	}
}

// TestDriverLibrariesHaveOneHome checks that each driver library is
// imported by exactly one package.
func TestDriverLibrariesHaveOneHome(t *testing.T) {
	homes := map[string]string{
		"github.com/lib/pq":                     module + "/warehouse",
		"modernc.org/sqlite":                    module + "/warehouse",
		"github.com/simukti/sqldb-logger":       module + "/warehouse",
		"github.com/segmentio/kafka-go":         module + "/pipeline/kafka",
		"github.com/twmb/franz-go/pkg/kfake":    module + "/pipeline/kafka",
		"github.com/robfig/cron/v3":             module + "/cmd/tally",
		"github.com/hashicorp/go-retryablehttp": module + "/connectors/crmhttp",
	}
	for pkg, imps := range imports(t) {
		for _, imp := range imps {
			if home, ok := homes[imp]; ok && pkg != home {
				t.Errorf("%s imports %s; only %s may", pkg, imp, home)
			}
		}
	}
}
