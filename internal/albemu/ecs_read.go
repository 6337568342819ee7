package albemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// readService reads an ECS service and registers its containers in the
// target groups of its LoadBalancers. A service behind no load balancer is
// nil: the emulator does not run it.
func (r *reader) readService(id ResourceID, tgs map[ResourceID]*TargetGroup) (*Service, error) {
	p := r.resource(id).Properties
	lbs, _ := p["LoadBalancers"].([]any)
	if len(lbs) == 0 {
		return nil, nil
	}
	svc := &Service{ID: id, DesiredCount: 1}
	if n, ok := intValue(p["DesiredCount"]); ok {
		svc.DesiredCount = n
	}
	if n, ok := intValue(p["HealthCheckGracePeriodSeconds"]); ok {
		svc.HealthCheckGracePeriod = time.Duration(n) * time.Second
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
		tg, _, err := lookup(r, id.Stack, m["TargetGroupArn"], tgs, "target group")
		if err != nil {
			return nil, fmt.Errorf("%s.TargetGroupArn: %w", where, err)
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
		tg.Targets = append(tg.Targets, &Target{TargetGroup: tg, Service: svc, Container: c, Port: port})
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
		secrets, _ := m["Secrets"].([]any)
		for _, sec := range secrets {
			sm, _ := sec.(map[string]any)
			if name, _ := sm["Name"].(string); name != "" {
				c.Secrets = append(c.Secrets, name)
			}
		}
		slices.Sort(c.Secrets)
		pms, _ := m["PortMappings"].([]any)
		for _, pm := range pms {
			pmm, _ := pm.(map[string]any)
			if port, ok := intValue(pmm["ContainerPort"]); ok {
				c.PortMappings = append(c.PortMappings, port)
			}
		}
		img, err := r.readImage(m["Image"])
		if err != nil {
			return nil, fmt.Errorf("%s: Image: %w", where, err)
		}
		c.Image = img
		out = append(out, c)
	}
	return out, nil
}

// readImage reads a container's Image: an asset of the assembly when the
// image URI ends in ":HASH" of one, otherwise an image the emulator only
// names.
func (r *reader) readImage(v any) (Image, error) {
	if v == nil {
		return Image{}, fmt.Errorf("missing")
	}
	if s, ok := v.(string); ok {
		return Image{Name: s}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Image{}, err
	}
	img := Image{Name: string(b)}
	for _, hash := range sortedKeys(r.asm.Images) {
		if strings.Contains(img.Name, ":"+hash+`"`) {
			img.Asset = r.asm.Images[hash]
			break
		}
	}
	return img, nil
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
	p, ok := pseudoParameters[ref]
	return p, ok
}
