package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not valid YAML: %v", path, err)
	}
	return doc
}

// get walks a YAML document by map keys and list indexes ("0").
func get(t *testing.T, doc any, path ...string) any {
	t.Helper()
	cur := doc
	for _, p := range path {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i := 0
			for _, ch := range p {
				i = i*10 + int(ch-'0')
			}
			if i >= len(c) {
				t.Fatalf("index %s out of range at %v", p, path)
			}
			cur = c[i]
		default:
			t.Fatalf("path %v: %q is not a map or list", path, p)
		}
	}
	return cur
}

func TestComposeFile(t *testing.T) {
	doc := readYAML(t, filepath.Join("compose", "docker-compose.yaml"))
	for _, tc := range []struct {
		path []string
		want any
	}{
		{[]string{"services", "kafka", "environment", "KAFKA_PROCESS_ROLES"}, "broker,controller"},
		{[]string{"services", "kafka", "environment", "KAFKA_CONTROLLER_QUORUM_VOTERS"}, "1@kafka:9093"},
		{[]string{"services", "kafka", "environment", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"}, 1},
		{[]string{"services", "postgres", "image"}, "postgres:15"},
		{[]string{"services", "postgres", "environment", "POSTGRES_DB"}, "tally"},
		{[]string{"services", "tally", "command", "0"}, "run"},
		{[]string{"services", "tally", "depends_on", "kafka", "condition"}, "service_healthy"},
		{[]string{"services", "tally", "depends_on", "postgres", "condition"}, "service_healthy"},
	} {
		if got := get(t, doc, tc.path...); got != tc.want {
			t.Errorf("%s = %v, want %v", strings.Join(tc.path, "."), got, tc.want)
		}
	}
	dsn, _ := get(t, doc, "services", "tally", "environment", "TALLY_PG_DSN").(string)
	if !strings.Contains(dsn, "@postgres:5432/tally") {
		t.Errorf("TALLY_PG_DSN = %q, want the compose postgres service", dsn)
	}
	// The config the compose file mounts must be a valid tally.yaml
	// whose broker is the compose Kafka.
	text, err := os.ReadFile(filepath.Join("compose", "tally.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadTally(t, string(text))
	if cfg.Metrics.Listen != "0.0.0.0:9464" {
		t.Errorf("compose tally.yaml metrics.listen %q, want 0.0.0.0:9464", cfg.Metrics.Listen)
	}
	for _, tc := range []struct {
		path []string
		want any
	}{
		{[]string{"services", "tally", "ports", "0"}, "127.0.0.1:9464:9464"},
		{[]string{"services", "tally", "ports", "1"}, "127.0.0.1:9465:9465"},
		{[]string{"services", "tally", "healthcheck", "test", "2"}, "probe"},
		{[]string{"services", "tally", "healthcheck", "test", "3"}, "http://127.0.0.1:9465/healthz"},
	} {
		if got := get(t, doc, tc.path...); got != tc.want {
			t.Errorf("%s = %v, want %v", strings.Join(tc.path, "."), got, tc.want)
		}
	}
	if _, ok := get(t, doc, "services", "tally", "environment").(map[string]any)["TALLY_ADMIN_TOKEN"]; !ok {
		t.Error("compose passes no TALLY_ADMIN_TOKEN for admin.token")
	}
	adv := get(t, doc, "services", "kafka", "environment", "KAFKA_ADVERTISED_LISTENERS").(string)
	if len(cfg.Kafka.Brokers) != 1 || !strings.HasSuffix(adv, cfg.Kafka.Brokers[0]) {
		t.Errorf("tally.yaml brokers %v do not match KAFKA_ADVERTISED_LISTENERS %s", cfg.Kafka.Brokers, adv)
	}
	if cfg.Warehouse.Driver != "postgres" || cfg.Warehouse.DSN.Env() != "TALLY_PG_DSN" || cfg.Purge.Schedule == "" {
		t.Errorf("tally.yaml warehouse %s dsn ${%s} purge.schedule %q; want postgres, ${TALLY_PG_DSN}, a schedule",
			cfg.Warehouse.Driver, cfg.Warehouse.DSN.Env(), cfg.Purge.Schedule)
	}
}

func TestPurgeCronJob(t *testing.T) {
	doc := readYAML(t, filepath.Join("kubernetes", "purge-cronjob.yaml"))
	pod := []string{"spec", "jobTemplate", "spec", "template", "spec"}
	for _, tc := range []struct {
		path []string
		want any
	}{
		{[]string{"apiVersion"}, "batch/v1"},
		{[]string{"kind"}, "CronJob"},
		{[]string{"spec", "concurrencyPolicy"}, "Forbid"},
		{append(pod, "restartPolicy"), "Never"},
		{append(pod, "containers", "0", "args", "0"), "purge"},
	} {
		if got := get(t, doc, tc.path...); got != tc.want {
			t.Errorf("%s = %v, want %v", strings.Join(tc.path, "."), got, tc.want)
		}
	}
	if fields := strings.Fields(get(t, doc, "spec", "schedule").(string)); len(fields) != 5 {
		t.Errorf("schedule has %d fields, want 5", len(fields))
	}
}

func TestSystemdAndCron(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"systemd/tally-purge.service", []string{"Type=oneshot", "ExecStart=/usr/local/bin/tally purge --config /etc/tally/tally.yaml", "SuccessExitStatus=3"}},
		{"systemd/tally-purge.timer", []string{"OnCalendar=", "Persistent=true", "Unit=tally-purge.service"}},
		{"cron/tally-purge.crontab", []string{"/usr/local/bin/tally purge --config /etc/tally/tally.yaml", "set -a", "exit ${PIPESTATUS[0]}", "SHELL=/bin/bash"}},
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s lacks %q", tc.file, w)
			}
		}
	}
	data, _ := os.ReadFile("cron/tally-purge.crontab")
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.Contains(line, "=") && !strings.Contains(line, " ") {
			continue
		}
		// /etc/cron.d format: five time fields, a user, the command.
		if f := strings.Fields(line); len(f) < 7 || f[5] != "tally" {
			t.Errorf("crontab line %q: want 5 time fields, user tally, command", line)
		}
	}
}

// TestDockerignore keeps history, binaries, demo and data directories
// and key files out of the image's build context (the repository root).
func TestDockerignore(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".git", "bin/", "tally-demo/", "tally-data/", "*.key"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	for _, keep := range []string{"go.mod", "go.sum", "cmd", "pipeline", "connectors", "warehouse", "schemas", "transforms"} {
		if lines[keep] || lines[keep+"/"] {
			t.Errorf(".dockerignore excludes %s, which the build needs", keep)
		}
	}
}
