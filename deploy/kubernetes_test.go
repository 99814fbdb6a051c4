package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tally-dev/tally/pipeline/config"
)

// manifests is every object of deploy/kubernetes, decoded strictly.
type manifests struct {
	configMaps  map[string]configMap
	secrets     map[string]secret
	deployments map[string]deployment
	services    map[string]service
	pdbs        map[string]podDisruptionBudget
	cronJobs    map[string]cronJob
}

// strict decodes one YAML document into v, rejecting unknown fields.
func strict(doc []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// decodeInto decodes doc strictly into a T and files it under name.
func decodeInto[T any](doc []byte, name string, into map[string]T) error {
	var o T
	err := strict(doc, &o)
	into[name] = o
	return err
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	m := manifests{map[string]configMap{}, map[string]secret{}, map[string]deployment{},
		map[string]service{}, map[string]podDisruptionBudget{}, map[string]cronJob{}}
	files, _ := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if len(files) < 5 {
		t.Fatalf("only %d manifests in kubernetes/", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var node yaml.Node
			if err := dec.Decode(&node); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			doc, err := yaml.Marshal(&node)
			if err != nil {
				t.Fatal(err)
			}
			var h struct {
				header   `yaml:",inline"`
				Metadata objectMeta `yaml:"metadata"`
			}
			if err := yaml.Unmarshal(doc, &h); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			var name string
			switch want := map[string]string{"ConfigMap": "v1", "Secret": "v1", "Service": "v1", "Deployment": "apps/v1",
				"PodDisruptionBudget": "policy/v1", "CronJob": "batch/v1"}[h.Kind]; {
			case want == "":
				t.Errorf("%s document %d: kind %q has no strict type in k8s_types_test.go", f, i, h.Kind)
				continue
			case want != h.APIVersion:
				t.Errorf("%s %s: apiVersion %q, want %q", f, h.Kind, h.APIVersion, want)
			}
			name = h.Metadata.Name
			switch h.Kind {
			case "ConfigMap":
				err = decodeInto(doc, name, m.configMaps)
			case "Secret":
				err = decodeInto(doc, name, m.secrets)
			case "Service":
				err = decodeInto(doc, name, m.services)
			case "Deployment":
				err = decodeInto(doc, name, m.deployments)
			case "PodDisruptionBudget":
				err = decodeInto(doc, name, m.pdbs)
			case "CronJob":
				err = decodeInto(doc, name, m.cronJobs)
			}
			if err != nil {
				t.Errorf("%s %s does not decode strictly: %v", f, h.Kind, err)
			}
			if name == "" {
				t.Errorf("%s %s has no metadata.name", f, h.Kind)
			}
		}
	}
	return m
}

// checkPodRefs checks that every ConfigMap and Secret a pod uses exists.
func (m manifests) checkPodRefs(t *testing.T, what string, p podSpec) {
	t.Helper()
	for _, v := range p.Volumes {
		if v.ConfigMap != nil {
			if _, ok := m.configMaps[v.ConfigMap.Name]; !ok {
				t.Errorf("%s mounts ConfigMap %q, which no manifest defines", what, v.ConfigMap.Name)
			}
		}
	}
	for _, c := range p.Containers {
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				if _, ok := m.secrets[e.SecretRef.Name]; !ok {
					t.Errorf("%s reads Secret %q, which no manifest defines", what, e.SecretRef.Name)
				}
			}
		}
		for _, vm := range c.VolumeMounts {
			if !slices.ContainsFunc(p.Volumes, func(v volume) bool {
				return v.Name == vm.Name
			}) {
				t.Errorf("%s container %s mounts volume %q, which the pod lacks", what, c.Name, vm.Name)
			}
		}
	}
}

// tallyYAML loads the tally.yaml of the tally-config ConfigMap with the
// Secret example's variables set (see loadTally).
func tallyYAML(t *testing.T, m manifests) *config.File {
	t.Helper()
	cm, ok := m.configMaps["tally-config"]
	if !ok {
		t.Fatal("no tally-config ConfigMap")
	}
	text := cm.Data["tally.yaml"]
	s := m.secrets["tally-secrets"]
	for _, ref := range regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(text, -1) {
		v, ok := s.StringData[ref[1]]
		if !ok {
			t.Errorf("tally.yaml refers to ${%s}, which the tally-secrets example lacks", ref[1])
		}
		t.Setenv(ref[1], v)
	}
	return loadTally(t, text)
}

// loadTally loads a tally.yaml text with the binary's own loader.
func loadTally(t *testing.T, text string) *config.File {
	t.Helper()
	for _, ref := range regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(text, -1) {
		if _, ok := os.LookupEnv(ref[1]); !ok {
			t.Setenv(ref[1], "placeholder-"+strings.ToLower(ref[1]))
		}
	}
	path := filepath.Join(t.TempDir(), "tally.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(text)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("tally.yaml: %v", err)
	}
	if cfg.Admin.Listen != "0.0.0.0:9465" || cfg.Admin.Token.Env() != "TALLY_ADMIN_TOKEN" {
		t.Errorf("admin = %q, token from %q; want listen 0.0.0.0:9465 and token ${TALLY_ADMIN_TOKEN}", cfg.Admin.Listen, cfg.Admin.Token.Env())
	}
	return cfg
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	cfg := tallyYAML(t, m)
	if cfg.Warehouse.Driver != "postgres" || cfg.Purge.Schedule != "off" || cfg.Metrics.Listen != "0.0.0.0:9464" {
		t.Errorf("tally.yaml: warehouse %s, purge.schedule %q, metrics.listen %q; want postgres, off (the CronJob purges), 0.0.0.0:9464",
			cfg.Warehouse.Driver, cfg.Purge.Schedule, cfg.Metrics.Listen)
	}

	d, ok := m.deployments["tally"]
	if !ok {
		t.Fatal("no tally Deployment")
	}
	pod := d.Spec.Template
	m.checkPodRefs(t, "Deployment tally", pod.Spec)
	// Several replicas share the connectors through leases; the consumer
	// group needs at least as many partitions as replicas to use them all.
	if ru := d.Spec.Strategy.RollingUpdate; d.Spec.Replicas < 2 || d.Spec.Strategy.Type != "RollingUpdate" || ru.MaxUnavailable != 1 {
		t.Errorf("Deployment replicas %d strategy %q maxUnavailable %d, want several, RollingUpdate, 1", d.Spec.Replicas, d.Spec.Strategy.Type, ru.MaxUnavailable)
	}
	if cfg.Kafka.Partitions < d.Spec.Replicas {
		t.Errorf("kafka.partitions %d < %d replicas: some replicas would consume nothing", cfg.Kafka.Partitions, d.Spec.Replicas)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if pod.Metadata.Labels[k] != v {
			t.Errorf("Deployment selector %s=%s does not match its pod labels", k, v)
		}
	}
	c := pod.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"run", "--config", "/etc/tally/tally.yaml"}) {
		t.Errorf("Deployment args %v, want tally run with the mounted config", c.Args)
	}
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["admin"] != 9465 || ports["metrics"] != 9464 {
		t.Errorf("container ports %v, want admin 9465 (admin.listen) and metrics 9464 (metrics.listen)", ports)
	}
	for _, tc := range []struct {
		name string
		p    *probe
		path string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}, {"startup", c.StartupProbe, "/healthz"}} {
		if tc.p == nil || tc.p.HTTPGet == nil || tc.p.HTTPGet.Path != tc.path || tc.p.HTTPGet.Port != "admin" {
			t.Errorf("%s probe %+v, want GET %s on the admin port", tc.name, tc.p, tc.path)
		}
	}

	pdb, ok := m.pdbs["tally"]
	if !ok {
		t.Fatal("no tally PodDisruptionBudget")
	}
	for k, v := range pdb.Spec.Selector.MatchLabels {
		if pod.Metadata.Labels[k] != v {
			t.Errorf("PodDisruptionBudget selector %s=%s does not select the tally run pod", k, v)
		}
	}
	if svc, ok := m.services["tally"]; !ok || svc.Spec.Selector["app.kubernetes.io/component"] != "run" {
		t.Errorf("Service tally missing or not selecting the run pod")
	}

	cj, ok := m.cronJobs["tally-purge"]
	if !ok {
		t.Fatal("no tally-purge CronJob")
	}
	job := cj.Spec.JobTemplate.Spec
	m.checkPodRefs(t, "CronJob tally-purge", job.Template.Spec)
	if job.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("CronJob restartPolicy %q: podFailurePolicy needs Never", job.Template.Spec.RestartPolicy)
	}
	actions := map[int]string{}
	if job.PodFailurePolicy != nil {
		for _, r := range job.PodFailurePolicy.Rules {
			if e := r.OnExitCodes; e != nil && e.Operator == "In" && e.ContainerName == job.Template.Spec.Containers[0].Name {
				for _, v := range e.Values {
					actions[v] = r.Action
				}
			}
		}
	}
	if actions[3] != "Ignore" || actions[2] != "FailJob" {
		t.Errorf("podFailurePolicy exit code actions %v, want 3: Ignore (another purge holds the lock), 2: FailJob", actions)
	}
}

// TestKubernetesStrictDecoderRejectsTypos proves the strict decoding is
// strict: a misspelt probe and a misplaced podFailurePolicy fail.
func TestKubernetesStrictDecoderRejectsTypos(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n        - name: x\n          readinesProbe: {httpGet: {path: /readyz, port: admin}}\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          podFailurePolicy: {rules: []}\n",
	} {
		var h header
		_ = yaml.Unmarshal([]byte(doc), &h)
		var err error
		if h.Kind == "Deployment" {
			err = strict([]byte(doc), &deployment{})
		} else {
			err = strict([]byte(doc), &cronJob{})
		}
		if err == nil {
			t.Errorf("strict decoding accepted:\n%s", doc)
		}
	}
}
