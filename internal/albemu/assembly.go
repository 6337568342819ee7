package albemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CloudFormation resource types the emulator reads.
const (
	TypeListener       = "AWS::ElasticLoadBalancingV2::Listener"
	TypeListenerRule   = "AWS::ElasticLoadBalancingV2::ListenerRule"
	TypeTargetGroup    = "AWS::ElasticLoadBalancingV2::TargetGroup"
	TypeService        = "AWS::ECS::Service"
	TypeTaskDefinition = "AWS::ECS::TaskDefinition"
)

// Artifact types of manifest.json.
const (
	artifactStack  = "aws:cloudformation:stack"
	artifactAssets = "cdk:asset-manifest"
)

type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
			File         string `json:"file"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]struct {
		Value  any `json:"Value"`
		Export *struct {
			Name any `json:"Name"`
		} `json:"Export"`
	} `json:"Outputs"`
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

type assetManifest struct {
	DockerImages map[string]struct {
		Source struct {
			Directory  string `json:"directory"`
			DockerFile string `json:"dockerFile"`
			Executable []string
		} `json:"source"`
	} `json:"dockerImages"`
}

// reader holds the parsed assembly while Load resolves references.
type reader struct {
	dir       string
	templates map[string]*template // by stack artifact id
	exports   map[string]export    // by export name
	images    map[string]*ImageAsset
}

type export struct {
	stack string
	value any
}

// Load reads the ALB routing of the cloud assembly in dir. It fails, naming
// the resource and the property, on anything it cannot emulate faithfully:
// a rule on a listener other than the services' one, an unsupported
// condition or action, a reference it cannot resolve, an image that is not
// an asset of the assembly.
func Load(dir string) (*Assembly, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	r := &reader{dir: abs, templates: map[string]*template{}, exports: map[string]export{}, images: map[string]*ImageAsset{}}
	if err := r.readFiles(); err != nil {
		return nil, fmt.Errorf("cloud assembly %s: %w", dir, err)
	}
	a, err := r.assemble()
	if err != nil {
		return nil, fmt.Errorf("cloud assembly %s: %w", dir, err)
	}
	return a, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

func (r *reader) readFiles() error {
	var m manifest
	if err := readJSON(filepath.Join(r.dir, "manifest.json"), &m); err != nil {
		return err
	}
	for _, id := range sortedKeys(m.Artifacts) {
		art := m.Artifacts[id]
		switch art.Type {
		case artifactStack:
			var t template
			if err := readJSON(filepath.Join(r.dir, art.Properties.TemplateFile), &t); err != nil {
				return err
			}
			r.templates[id] = &t
			for _, name := range sortedKeys(t.Outputs) {
				o := t.Outputs[name]
				if o.Export == nil {
					continue
				}
				if n, ok := o.Export.Name.(string); ok {
					r.exports[n] = export{stack: id, value: o.Value}
				}
			}
		case artifactAssets:
			var am assetManifest
			if err := readJSON(filepath.Join(r.dir, art.Properties.File), &am); err != nil {
				return err
			}
			for hash, img := range am.DockerImages {
				if len(img.Source.Executable) > 0 || img.Source.Directory == "" {
					continue // built by a command: nothing the emulator can run
				}
				df := img.Source.DockerFile
				if df == "" {
					df = "Dockerfile"
				}
				asset := &ImageAsset{Hash: hash, Dir: filepath.Join(r.dir, img.Source.Directory), Dockerfile: df}
				prog, err := buildProgram(filepath.Join(asset.Dir, df))
				if errors.Is(err, fs.ErrNotExist) {
					// A .dockerignore excluded it from the asset copy:
					// docker build (cdk deploy) would fail the same way.
					return fmt.Errorf("image asset %s: %s is missing from the asset directory %s, so docker build would fail; does a .dockerignore exclude it?", hash, df, img.Source.Directory)
				}
				if err != nil {
					return fmt.Errorf("image asset %s: %w", hash, err)
				}
				asset.Program = prog
				r.images[hash] = asset
			}
		}
	}
	if len(r.templates) == 0 {
		return errors.New("manifest.json lists no stack")
	}
	return nil
}

// buildStep finds the build.sh step of a service Dockerfile.
var buildStep = regexp.MustCompile(`(?m)^\s*RUN\b.*\./build\.sh\s+([A-Za-z0-9._-]+)\s`)

// buildProgram returns the service a Dockerfile builds: NAME in its
// "./build.sh NAME OUTPUT" step.
func buildProgram(dockerfile string) (string, error) {
	b, err := os.ReadFile(dockerfile)
	if err != nil {
		return "", err
	}
	m := buildStep.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s has no RUN ./build.sh NAME OUTPUT step", dockerfile)
	}
	return string(m[1]), nil
}

// resolve turns a reference to a resource ({"Ref": ID} in stack, or
// {"Fn::ImportValue": NAME} of an export whose value is such a Ref) into its
// ResourceID.
func (r *reader) resolve(stack string, v any) (ResourceID, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ResourceID{}, fmt.Errorf("%v is not a reference to a resource of the assembly", v)
	}
	if ref, ok := m["Ref"].(string); ok {
		if _, ok := r.templates[stack].Resources[ref]; !ok {
			return ResourceID{}, fmt.Errorf("Ref %s: no such resource in stack %s", ref, stack)
		}
		return ResourceID{stack, ref}, nil
	}
	if name, ok := m["Fn::ImportValue"].(string); ok {
		e, ok := r.exports[name]
		if !ok {
			return ResourceID{}, fmt.Errorf("Fn::ImportValue %s: no stack of the assembly exports it", name)
		}
		return r.resolve(e.stack, e.value)
	}
	return ResourceID{}, fmt.Errorf("%v is not a Ref or an Fn::ImportValue", v)
}

func (r *reader) resource(id ResourceID) resource {
	return r.templates[id.Stack].Resources[id.LogicalID]
}

// ofType lists the resources of a type, in stack and logical id order.
func (r *reader) ofType(typ string) []ResourceID {
	var ids []ResourceID
	for _, stack := range sortedKeys(r.templates) {
		for _, name := range sortedKeys(r.templates[stack].Resources) {
			if r.templates[stack].Resources[name].Type == typ {
				ids = append(ids, ResourceID{stack, name})
			}
		}
	}
	return ids
}

func (r *reader) assemble() (*Assembly, error) {
	a := &Assembly{Dir: r.dir, TargetGroups: map[ResourceID]*TargetGroup{}}
	for _, id := range r.ofType(TypeTargetGroup) {
		tg, err := readTargetGroup(id, r.resource(id).Properties)
		if err != nil {
			return nil, err
		}
		a.TargetGroups[id] = tg
	}
	for _, id := range r.ofType(TypeService) {
		svc, err := r.readService(id, a.TargetGroups)
		if err != nil {
			return nil, err
		}
		if svc != nil {
			a.Services = append(a.Services, svc)
		}
	}
	listeners := map[ResourceID]*Listener{}
	for _, id := range r.ofType(TypeListener) {
		l, err := r.readListener(id)
		if err != nil {
			return nil, err
		}
		listeners[id] = l
	}
	for _, id := range r.ofType(TypeListenerRule) {
		p := r.resource(id).Properties
		lid, err := r.resolve(id.Stack, p["ListenerArn"])
		if err != nil {
			return nil, fmt.Errorf("%s: ListenerArn: %w", id, err)
		}
		l, ok := listeners[lid]
		if !ok {
			return nil, fmt.Errorf("%s: ListenerArn: %s is not a listener", id, lid)
		}
		if a.Listener != nil && a.Listener != l {
			return nil, fmt.Errorf("%s: rules attach to two listeners, %s and %s; the emulator serves one", id, a.Listener.ID, lid)
		}
		a.Listener = l
		rule, err := r.readRule(id, p, a.TargetGroups)
		if err != nil {
			return nil, err
		}
		for _, other := range l.Rules {
			if other.Priority == rule.Priority {
				return nil, fmt.Errorf("%s: Priority %d is also the priority of %s (CloudFormation fails with PriorityInUse)", id, rule.Priority, other.ID)
			}
		}
		l.Rules = append(l.Rules, rule)
	}
	if a.Listener == nil {
		// No rules: serve the listener that does not redirect.
		for _, id := range slices.SortedFunc(maps.Keys(listeners), compareIDs) {
			if a.Listener == nil || a.Listener.Default.Redirect != nil {
				a.Listener = listeners[id]
			}
		}
	}
	if a.Listener == nil {
		return nil, errors.New("no " + TypeListener + " in any stack")
	}
	slices.SortFunc(a.Listener.Rules, func(x, y *Rule) int { return x.Priority - y.Priority })
	return a, nil
}

func readTargetGroup(id ResourceID, p map[string]any) (*TargetGroup, error) {
	tg := &TargetGroup{ID: id, HealthCheckPath: "/", HealthyCodes: "200"}
	tg.Port, _ = intValue(p["Port"])
	tg.Protocol, _ = p["Protocol"].(string)
	if s, ok := p["HealthCheckPath"].(string); ok {
		tg.HealthCheckPath = s
	}
	if m, ok := p["Matcher"].(map[string]any); ok {
		if s, ok := m["HttpCode"].(string); ok {
			tg.HealthyCodes = s
		}
	}
	if t, _ := p["TargetType"].(string); t == "lambda" {
		return nil, fmt.Errorf("%s: TargetType lambda is not emulated", id)
	}
	return tg, nil
}

func (r *reader) readService(id ResourceID, tgs map[ResourceID]*TargetGroup) (*Service, error) {
	p := r.resource(id).Properties
	lbs, _ := p["LoadBalancers"].([]any)
	if len(lbs) == 0 {
		return nil, nil // not behind the load balancer
	}
	svc := &Service{ID: id, DesiredCount: 1}
	if n, ok := intValue(p["DesiredCount"]); ok {
		svc.DesiredCount = n
	}
	tdID, err := r.resolve(id.Stack, p["TaskDefinition"])
	if err != nil {
		return nil, fmt.Errorf("%s: TaskDefinition: %w", id, err)
	}
	if svc.Containers, err = r.readContainers(tdID); err != nil {
		return nil, err
	}
	for i, lb := range lbs {
		m, _ := lb.(map[string]any)
		where := fmt.Sprintf("%s: LoadBalancers[%d]", id, i)
		tgID, err := r.resolve(id.Stack, m["TargetGroupArn"])
		if err != nil {
			return nil, fmt.Errorf("%s.TargetGroupArn: %w", where, err)
		}
		tg, ok := tgs[tgID]
		if !ok {
			return nil, fmt.Errorf("%s.TargetGroupArn: %s is not a target group", where, tgID)
		}
		name, _ := m["ContainerName"].(string)
		port, _ := intValue(m["ContainerPort"])
		i := slices.IndexFunc(svc.Containers, func(c *Container) bool { return c.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%s.ContainerName: task definition %s has no container %q", where, tdID, name)
		}
		c := svc.Containers[i]
		if !slices.Contains(c.PortMappings, port) {
			return nil, fmt.Errorf("%s.ContainerPort: container %q maps no port %d (ports %v)", where, name, port, c.PortMappings)
		}
		tg.Targets = append(tg.Targets, &Target{Service: svc, Container: c, Port: port})
	}
	return svc, nil
}

func (r *reader) readContainers(td ResourceID) ([]*Container, error) {
	res := r.resource(td)
	if res.Type != TypeTaskDefinition {
		return nil, fmt.Errorf("%s is a %s, not a task definition", td, res.Type)
	}
	defs, _ := res.Properties["ContainerDefinitions"].([]any)
	var out []*Container
	for i, d := range defs {
		m, _ := d.(map[string]any)
		c := &Container{Env: map[string]string{}}
		c.Name, _ = m["Name"].(string)
		where := fmt.Sprintf("%s: ContainerDefinitions[%d] (%s)", td, i, c.Name)
		env, _ := m["Environment"].([]any)
		for _, e := range env {
			kv, _ := e.(map[string]any)
			k, _ := kv["Name"].(string)
			v, ok := envValue(kv["Value"])
			if !ok {
				return nil, fmt.Errorf("%s: Environment %s: value %v is not a literal string or a pseudo parameter", where, k, kv["Value"])
			}
			c.Env[k] = v
		}
		pms, _ := m["PortMappings"].([]any)
		for _, pm := range pms {
			if port, ok := intValue(pm.(map[string]any)["ContainerPort"]); ok {
				c.PortMappings = append(c.PortMappings, port)
			}
		}
		img, err := json.Marshal(m["Image"])
		if err != nil {
			return nil, err
		}
		for _, hash := range sortedKeys(r.images) {
			if strings.Contains(string(img), ":"+hash) {
				c.Image = r.images[hash]
				break
			}
		}
		if c.Image == nil {
			return nil, fmt.Errorf("%s: Image %s is not an image asset of the assembly", where, img)
		}
		out = append(out, c)
	}
	return out, nil
}

func (r *reader) readListener(id ResourceID) (*Listener, error) {
	p := r.resource(id).Properties
	l := &Listener{ID: id}
	l.Port, _ = intValue(p["Port"])
	l.Protocol, _ = p["Protocol"].(string)
	actions, _ := p["DefaultActions"].([]any)
	a, err := r.readActions(id, actions, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: DefaultActions: %w", id, err)
	}
	l.Default = a
	return l, nil
}

func (r *reader) readRule(id ResourceID, p map[string]any, tgs map[ResourceID]*TargetGroup) (*Rule, error) {
	rule := &Rule{ID: id}
	var ok bool
	if rule.Priority, ok = intValue(p["Priority"]); !ok {
		return nil, fmt.Errorf("%s: Priority %v is not a number", id, p["Priority"])
	}
	conds, _ := p["Conditions"].([]any)
	if len(conds) == 0 {
		return nil, fmt.Errorf("%s: Conditions: a rule needs at least one condition", id)
	}
	for i, c := range conds {
		cond, err := readCondition(c)
		if err != nil {
			return nil, fmt.Errorf("%s: Conditions[%d]: %w", id, i, err)
		}
		rule.Conditions = append(rule.Conditions, cond)
	}
	actions, _ := p["Actions"].([]any)
	a, err := r.readActions(id, actions, tgs)
	if err != nil {
		return nil, fmt.Errorf("%s: Actions: %w", id, err)
	}
	rule.Action = a
	return rule, nil
}

// readCondition reads a RuleCondition, in its current form (PathPatternConfig
// and the like) or its legacy form (Field and Values).
func readCondition(v any) (Condition, error) {
	m, _ := v.(map[string]any)
	field, _ := m["Field"].(string)
	c := Condition{Field: field}
	configKey := map[string]string{
		FieldPathPattern: "PathPatternConfig",
		FieldHostHeader:  "HostHeaderConfig",
		FieldMethod:      "HttpRequestMethodConfig",
		FieldHTTPHeader:  "HttpHeaderConfig",
		FieldQueryString: "QueryStringConfig",
		FieldSourceIP:    "SourceIpConfig",
	}[field]
	if configKey == "" {
		return c, fmt.Errorf("Field %q is not a condition the ALB supports", field)
	}
	cfg, _ := m[configKey].(map[string]any)
	if cfg == nil {
		cfg = m // legacy: Values beside Field
	}
	if _, ok := cfg["RegexValues"]; ok {
		return c, fmt.Errorf("%s.RegexValues is not emulated", configKey)
	}
	if field == FieldQueryString {
		vals, _ := cfg["Values"].([]any)
		for _, kv := range vals {
			kvm, _ := kv.(map[string]any)
			k, _ := kvm["Key"].(string)
			val, _ := kvm["Value"].(string)
			c.Query = append(c.Query, KeyValue{k, val})
		}
	} else {
		var err error
		if c.Values, err = stringList(cfg["Values"]); err != nil {
			return c, fmt.Errorf("%s.Values: %w", configKey, err)
		}
	}
	if field == FieldHTTPHeader {
		c.HeaderName, _ = cfg["HttpHeaderName"].(string)
	}
	if len(c.Values) == 0 && len(c.Query) == 0 {
		return c, fmt.Errorf("%s condition has no values", field)
	}
	return c, nil
}

// readActions reads a rule's Actions (or a listener's DefaultActions): the
// emulator supports one final action, forward, fixed-response or redirect.
func (r *reader) readActions(owner ResourceID, actions []any, tgs map[ResourceID]*TargetGroup) (Action, error) {
	if len(actions) == 0 {
		return Action{}, errors.New("no action")
	}
	if len(actions) > 1 {
		return Action{}, fmt.Errorf("%d actions: only a single action is emulated (no authenticate-* actions)", len(actions))
	}
	m, _ := actions[0].(map[string]any)
	typ, _ := m["Type"].(string)
	a := Action{Type: typ}
	switch typ {
	case ActionFixedResponse:
		cfg, _ := m["FixedResponseConfig"].(map[string]any)
		code, ok := intValue(cfg["StatusCode"])
		if !ok {
			return a, fmt.Errorf("FixedResponseConfig.StatusCode %v is not a number", cfg["StatusCode"])
		}
		fr := &FixedResponse{StatusCode: code, ContentType: "text/plain"}
		if s, ok := cfg["ContentType"].(string); ok {
			fr.ContentType = s
		}
		fr.Body, _ = cfg["MessageBody"].(string)
		a.FixedResponse = fr
	case ActionRedirect:
		cfg, _ := m["RedirectConfig"].(map[string]any)
		rd := &Redirect{}
		rd.Protocol, _ = cfg["Protocol"].(string)
		rd.Host, _ = cfg["Host"].(string)
		rd.Port, _ = cfg["Port"].(string)
		rd.Path, _ = cfg["Path"].(string)
		rd.Query, _ = cfg["Query"].(string)
		switch cfg["StatusCode"] {
		case "HTTP_301":
			rd.StatusCode = 301
		case "HTTP_302":
			rd.StatusCode = 302
		default:
			return a, fmt.Errorf("RedirectConfig.StatusCode %v: want HTTP_301 or HTTP_302", cfg["StatusCode"])
		}
		a.Redirect = rd
	case ActionForward:
		f, err := r.readForward(owner, m)
		if err != nil {
			return a, err
		}
		for _, t := range f.TargetGroups {
			if _, ok := tgs[t.TargetGroup]; !ok {
				return a, fmt.Errorf("forward: %s is not a target group", t.TargetGroup)
			}
		}
		a.Forward = f
	default:
		return a, fmt.Errorf("action Type %q is not emulated", typ)
	}
	return a, nil
}

func (r *reader) readForward(owner ResourceID, m map[string]any) (*Forward, error) {
	f := &Forward{}
	cfg, _ := m["ForwardConfig"].(map[string]any)
	list, _ := cfg["TargetGroups"].([]any)
	for i, t := range list {
		tm, _ := t.(map[string]any)
		id, err := r.resolve(owner.Stack, tm["TargetGroupArn"])
		if err != nil {
			return nil, fmt.Errorf("ForwardConfig.TargetGroups[%d].TargetGroupArn: %w", i, err)
		}
		w := 1 // the ALB's default weight
		if v, ok := tm["Weight"]; ok {
			if w, ok = intValue(v); !ok || w < 0 || w > 999 {
				return nil, fmt.Errorf("ForwardConfig.TargetGroups[%d].Weight %v: want 0 to 999", i, v)
			}
		}
		f.TargetGroups = append(f.TargetGroups, WeightedTarget{id, w})
	}
	if arn, ok := m["TargetGroupArn"]; ok {
		id, err := r.resolve(owner.Stack, arn)
		if err != nil {
			return nil, fmt.Errorf("TargetGroupArn: %w", err)
		}
		if len(f.TargetGroups) == 0 {
			f.TargetGroups = []WeightedTarget{{id, 1}}
		} else if len(f.TargetGroups) != 1 || f.TargetGroups[0].TargetGroup != id {
			return nil, errors.New("TargetGroupArn and ForwardConfig.TargetGroups disagree")
		}
	}
	if len(f.TargetGroups) == 0 {
		return nil, errors.New("forward action without a target group")
	}
	if st, ok := cfg["TargetGroupStickinessConfig"].(map[string]any); ok && st["Enabled"] == true {
		secs, ok := intValue(st["DurationSeconds"])
		if !ok || secs < 1 || secs > 604800 {
			return nil, fmt.Errorf("TargetGroupStickinessConfig.DurationSeconds %v: want 1 to 604800", st["DurationSeconds"])
		}
		f.Stickiness = time.Duration(secs) * time.Second
	}
	return f, nil
}

// intValue reads a number that CloudFormation accepts as a JSON number or a
// numeric string.
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), x == float64(int(x))
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

func stringList(v any) ([]string, error) {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a literal string", x)
		}
		out = append(out, s)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func compareIDs(a, b ResourceID) int {
	return strings.Compare(a.String(), b.String())
}

// PseudoParameters are the values the emulation gives CloudFormation's
// pseudo parameters where a container's environment refers to them (CDK
// sets AWS_REGION to {"Ref": "AWS::Region"} on EC2 awsvpc tasks). There is
// no account or region here: they are stand-ins.
var PseudoParameters = map[string]string{
	"AWS::Region":    "local",
	"AWS::AccountId": "000000000000",
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
}

// envValue is an environment value: a literal string, or a Ref to a
// pseudo parameter.
func envValue(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	ref, _ := m["Ref"].(string)
	p, ok := PseudoParameters[ref]
	return p, ok
}
