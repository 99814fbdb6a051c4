package deploy

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cronLine returns the crontab's SHELL and the command of its one job
// (after the five time fields and the user).
func cronLine(t *testing.T) (shell, command string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("cron", "tally-purge.crontab"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "SHELL="):
			shell = strings.TrimPrefix(line, "SHELL=")
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			f := strings.Fields(line)
			if len(f) < 7 {
				t.Fatalf("crontab line %q", line)
			}
			rest := line
			for range 6 { // five time fields and the user
				rest = strings.TrimLeft(rest, " \t")
				rest = rest[strings.IndexAny(rest, " \t"):]
			}
			command = strings.TrimSpace(rest)
		}
	}
	if shell == "" || command == "" {
		t.Fatal("crontab has no SHELL= or no job")
	}
	return shell, command
}

// TestCrontabLineRuns runs the crontab's command as cron does, with an
// empty environment ($SHELL -c under env -i), against a fake tally that
// reports whether it got its variables and exits with a given code:
// the variables must arrive (exported by set -a) and the exit code must
// survive the pipe into the logger.
func TestCrontabLineRuns(t *testing.T) {
	shell, command := cronLine(t)
	if _, err := os.Stat(shell); err != nil {
		t.Skipf("%s not installed", shell)
	}
	for _, tool := range []string{"flock", "env"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	envFile := filepath.Join(dir, "tally.env")
	if err := os.WriteFile(envFile, []byte("TALLY_PG_DSN=postgres://u:p@db/tally\nTALLY_MASTER_KEY=k-from-env-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "tally")
	script := "#!/bin/sh\n" +
		`echo "args=$*"` + "\n" +
		`[ -n "$TALLY_PG_DSN" ] && echo "dsn=set" || echo "dsn=unset"` + "\n" +
		`[ "$TALLY_MASTER_KEY" = k-from-env-file ] && echo "key=set"` + "\n" +
		`exit "$(cat ` + filepath.Join(dir, "code") + `)"` + "\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	logged := filepath.Join(dir, "syslog")
	cmd := strings.NewReplacer(
		"/etc/tally/tally.env", envFile,
		"/usr/local/bin/tally", fake,
		"/run/lock/tally-purge", filepath.Join(dir, "lock"),
		"logger -t tally-purge", "cat >> "+logged,
	).Replace(command)
	if cmd == command || !strings.Contains(cmd, envFile) || !strings.Contains(cmd, logged) {
		t.Fatalf("the crontab command does not read /etc/tally/tally.env, run /usr/local/bin/tally and log with logger: %s", command)
	}
	for _, code := range []int{0, 1, 2, 3} {
		if err := os.WriteFile(filepath.Join(dir, "code"), []byte{byte('0' + code)}, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Remove(logged)
		err := exec.Command("env", "-i", shell, "-c", cmd).Run()
		got := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if got != code {
			t.Errorf("tally exited %d; the cron job exited %d", code, got)
		}
		out, _ := os.ReadFile(logged)
		for _, want := range []string{"args=purge --config /etc/tally/tally.yaml", "dsn=set", "key=set"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("exit %d: logged output %q lacks %q", code, out, want)
			}
		}
	}
}

// TestSystemdUnits checks the units' structure and, where
// systemd-analyze is installed, has systemd verify them.
func TestSystemdUnits(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"systemd/tally.service", []string{"ExecStart=/usr/local/bin/tally run --config /etc/tally/tally.yaml",
			"EnvironmentFile=/etc/tally/tally.env", "StateDirectory=tally", "WorkingDirectory=/var/lib/tally",
			"ProtectSystem=strict", "Restart=on-failure", "RestartPreventExitStatus=2", "WantedBy=multi-user.target"}},
		{"systemd/tally-purge.service", []string{"StateDirectory=tally", "WorkingDirectory=/var/lib/tally",
			"EnvironmentFile=/etc/tally/tally.env", "SuccessExitStatus=3"}},
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(data), "\n"+w+"\n") {
				t.Errorf("%s lacks the line %q", tc.file, w)
			}
		}
	}
	env, err := os.ReadFile(filepath.Join("systemd", "tally.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(env), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && (strings.HasPrefix(line, "export ") || strings.Contains(line, " =") || !strings.Contains(line, "=")) {
			t.Errorf("tally.env.example line %q: want KEY=value, read by both systemd and sh", line)
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed; structural checks only")
	}
	dir := t.TempDir()
	units := []string{"tally.service", "tally-purge.service", "tally-purge.timer"}
	var paths []string
	for _, u := range units {
		data, err := os.ReadFile(filepath.Join("systemd", u))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, u)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, _ := exec.Command(analyze, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// The binary is not installed where the test runs.
		if line == "" || strings.Contains(line, "/usr/local/bin/tally is not executable") {
			continue
		}
		t.Errorf("systemd-analyze verify: %s", line)
	}
}
