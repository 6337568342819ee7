package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
	"github.com/ecsplit/ecsplit/internal/albemu"
	"github.com/ecsplit/ecsplit/internal/deploy"
	"github.com/ecsplit/ecsplit/internal/transition"
	"github.com/ecsplit/ecsplit/stacks"
)

// A service below 100 % is judged against the monolith on the same paths:
// the monolith's share of them goes to a target group of the monolith's
// own (Migration.MonolithTargetGroups), and two alarms compare the sides.

// versusSuffixes are the suffixes of the three comparison alarms.
var versusSuffixes = []string{migration.VersusMonolithErrorRateSuffix, migration.VersusMonolithLatencySuffix, migration.VersusMonolithClientErrorRateSuffix}

// refOf returns the logical id a {"Ref": ID} names, "" for anything else.
func refOf(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

// forwardWeights returns a forward action's target groups and weights by
// logical id: a plain forward's one target group at weight 100.
func forwardWeights(t *testing.T, rule map[string]any) map[string]float64 {
	t.Helper()
	action := rule["Properties"].(map[string]any)["Actions"].([]any)[0].(map[string]any)
	out := map[string]float64{}
	if tg := refOf(action["TargetGroupArn"]); tg != "" {
		out[tg] = 100
		return out
	}
	for _, g := range action["ForwardConfig"].(map[string]any)["TargetGroups"].([]any) {
		g := g.(map[string]any)
		out[refOf(g["TargetGroupArn"])] = g["Weight"].(float64)
	}
	return out
}

// hasPrefixIn reports whether one of ids begins with prefix.
func hasPrefixIn(ids []string, prefix string) bool {
	return slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, prefix) })
}

// TestVersusMonolithTemplate: in users:10, the monolith is registered in
// its own target group and in one for each service of the plan (the
// forum's three), all with the same port, health check and deregistration
// delay; its preview rule forwards to those at weight 0, and its ECS
// service waits for that rule; users' weighted rule sends 90 to the one
// Migration.MonolithTargetGroups names for users, waiting for the
// monolith's service and scalable target; no rule and no priority is added;
// the two comparison alarms watch both target groups, with the default
// thresholds, are users' deployment alarms, and may publish to the topic.
func TestVersusMonolithTemplate(t *testing.T) {
	jsiiTest(t)
	s := synth(t, fargate("users:10"))
	tpl := s.TemplateMap(t, stacks.ServicesStackName)
	m := s.App.Services.Migration
	res := tpl["Resources"].(map[string]any)

	mainID, mainTG := serviceResource(t, tpl, "monolith", typeTargetGroup, "TargetGroup")
	var extras []string
	for i := range min(len(stacks.ForumServices), migration.MaxWeightedServices) {
		id, tg := serviceResource(t, tpl, "monolith", typeTargetGroup, fmt.Sprintf("ExtraTargetGroup%d", i+1))
		extras = append(extras, id)
		if !reflect.DeepEqual(tg["Properties"], mainTG["Properties"]) {
			t.Errorf("%s: properties %v, want the monolith's own target group's %v", id, tg["Properties"], mainTG["Properties"])
		}
	}
	if got := len(resourcesOfType(tpl, typeTargetGroup)); got != 2+len(extras) {
		t.Errorf("%d target groups, want users', the monolith's and its %d extra", got, len(extras))
	}

	monoID, mono := serviceResource(t, tpl, "monolith", typeService, "Service")
	var lbs []string
	for _, lb := range mono["Properties"].(map[string]any)["LoadBalancers"].([]any) {
		lb := lb.(map[string]any)
		lbs = append(lbs, refOf(lb["TargetGroupArn"]))
		if lb["ContainerName"] != "monolith" || lb["ContainerPort"] != float64(microservice.DefaultContainerPort) {
			t.Errorf("monolith LoadBalancers entry %v, want its container on %d", lb, microservice.DefaultContainerPort)
		}
	}
	if want := append([]string{mainID}, extras...); !slices.Equal(lbs, want) {
		t.Errorf("monolith service registered in %v, want %v", lbs, want)
	}

	previewID, preview := serviceResource(t, tpl, "monolith", typeListenerRule, "PreviewRule")
	wantPreview := map[string]float64{mainID: 1}
	for _, id := range extras {
		wantPreview[id] = 0
	}
	if got := forwardWeights(t, preview); !reflect.DeepEqual(got, wantPreview) {
		t.Errorf("monolith preview rule forwards %v, want %v", got, wantPreview)
	}
	if !slices.Contains(dependsOn(mono), previewID) {
		t.Errorf("the monolith's service does not wait for its preview rule %s, which associates its target groups with the listener: %v", previewID, dependsOn(mono))
	}

	_, rule := serviceResource(t, tpl, "users", typeListenerRule, "Rule")
	usersTG, _ := serviceResource(t, tpl, "users", typeTargetGroup, "TargetGroup")
	sameID := *awscdk.Stack_Of(m).GetLogicalId(m.MonolithTargetGroups["users"].Node().DefaultChild().(awscdk.CfnElement))
	if len(m.MonolithTargetGroups) != 1 || sameID != extras[0] {
		t.Errorf("MonolithTargetGroups %v (users: %s), want users only, on %s", m.MonolithTargetGroups, sameID, extras[0])
	}
	if got, want := forwardWeights(t, rule), map[string]float64{usersTG: 10, extras[0]: 90}; !reflect.DeepEqual(got, want) {
		t.Errorf("users' rule forwards %v, want %v", got, want)
	}
	deps := dependsOn(rule)
	for _, prefix := range []string{monoID, "monolithServiceTaskCountTarget", "usersService", "usersServiceTaskCountTarget"} {
		if !hasPrefixIn(deps, prefix) {
			t.Errorf("users' rule does not wait for %s: %v", prefix, deps)
		}
	}

	// No rule, and no priority, is added: each rule keeps the priority it
	// has in the states without a share.
	if got := len(resourcesOfType(tpl, typeListenerRule)); got != 4 {
		t.Errorf("%d listener rules, want a routing and a preview rule for each of the two services", got)
	}
	for _, other := range []string{"monolith", "users:100"} {
		o := synth(t, fargate(other)).TemplateMap(t, stacks.ServicesStackName)["Resources"].(map[string]any)
		for id, r := range res {
			if r.(map[string]any)["Type"] != typeListenerRule || o[id] == nil {
				continue
			}
			if a, b := r.(map[string]any)["Properties"].(map[string]any)["Priority"], o[id].(map[string]any)["Properties"].(map[string]any)["Priority"]; a != b {
				t.Errorf("%s: priority %v in users:10, %v in %s", id, a, b, other)
			}
		}
	}

	// The comparison alarms.
	_, users := serviceResource(t, tpl, "users", typeService, "Service")
	// The rate comparisons fire above VersusMonolithZScore standard
	// errors, their margins inside the expression; the latency's at its
	// factor.
	thresholds := map[string]float64{migration.VersusMonolithErrorRateSuffix: migration.VersusMonolithZScore,
		migration.VersusMonolithLatencySuffix:         migration.DefaultVersusMonolithLatencyFactor,
		migration.VersusMonolithClientErrorRateSuffix: migration.VersusMonolithZScore}
	margins := map[string]float64{migration.VersusMonolithErrorRateSuffix: migration.DefaultVersusMonolithErrorMargin,
		migration.VersusMonolithClientErrorRateSuffix: migration.DefaultVersusMonolithClientErrorMargin}
	for _, suffix := range versusSuffixes {
		name := stacks.ServicesStackName + "-users-" + suffix
		alarm := alarmNamed(t, tpl, name)
		p := alarm["Properties"].(map[string]any)
		if p["Threshold"] != thresholds[suffix] || p["ComparisonOperator"] != "GreaterThanThreshold" || p["TreatMissingData"] != "notBreaching" ||
			!strings.Contains(fmt.Sprint(p["AlarmActions"]), "AlarmTopic") {
			t.Errorf("%s: %v", name, p)
		}
		metrics, _ := json.Marshal(p["Metrics"])
		groups := map[string]bool{}
		for _, id := range []string{usersTG, mainID, extras[0], extras[1], extras[2]} {
			groups[id] = strings.Contains(string(metrics), `["`+id+`","TargetGroupFullName"]`)
		}
		if want := map[string]bool{usersTG: true, extras[0]: true, mainID: false, extras[1]: false, extras[2]: false}; !reflect.DeepEqual(groups, want) {
			t.Errorf("%s watches target groups %v, want users' and the monolith's for users' paths only", name, groups)
		}
		// Only periods in which both sides have requests are judged.
		var top string
		for _, q := range p["Metrics"].([]any) {
			if q := q.(map[string]any); q["ReturnData"] == true {
				top = fmt.Sprint(q["Expression"])
			}
		}
		if !strings.HasPrefix(top, "IF(FILL(") || !strings.Contains(top, " AND FILL(") {
			t.Errorf("%s: expression %q does not judge only the periods with data on both sides", name, top)
		}
		if margin, ok := margins[suffix]; ok && (!strings.Contains(top, fmt.Sprintf(") > %g, ", margin)) || !strings.Contains(top, "^ 0.5")) {
			t.Errorf("%s: expression %q does not gate the standard errors on a difference above the margin %g", name, top, margin)
		}
		if suffix == migration.VersusMonolithLatencySuffix && !strings.Contains(top, fmt.Sprintf("> %g,", migration.DefaultVersusMonolithLatencyFloor.Seconds())) {
			t.Errorf("%s: expression %q does not floor the monolith's p99 at %s", name, top, migration.DefaultVersusMonolithLatencyFloor)
		}
		alarmID := ""
		for id, r := range res {
			if reflect.DeepEqual(r, alarm) {
				alarmID = id
			}
		}
		if !slices.Contains(dependsOn(users), alarmID) {
			t.Errorf("users' service does not wait for its deployment alarm %s", alarmID)
		}
	}
	policies, _ := json.Marshal(resourcesOfType(tpl, "AWS::SNS::TopicPolicy"))
	for _, suffix := range versusSuffixes {
		if !strings.Contains(string(policies), ":alarm:"+stacks.ServicesStackName+"-users-"+suffix) {
			t.Errorf("the topic policy does not let users' %s alarm publish: %s", suffix, policies)
		}
	}

	// The Go side: the ramp reads these.
	ua, ma := m.Alarms["users"], m.Alarms["monolith"]
	if ua.VersusMonolithErrorRate == nil || ua.VersusMonolithLatency == nil || ua.VersusMonolithClientErrorRate == nil || len(ua.All()) != 8 {
		t.Errorf("users' alarms: versus %v %v %v, All() %d, want the three and 8", ua.VersusMonolithErrorRate, ua.VersusMonolithLatency, ua.VersusMonolithClientErrorRate, len(ua.All()))
	}
	if ma.VersusMonolithErrorRate != nil || ma.VersusMonolithLatency != nil || ma.VersusMonolithClientErrorRate != nil || len(ma.All()) != 5 {
		t.Errorf("the monolith's alarms: versus %v %v %v, All() %d, want none and 5", ma.VersusMonolithErrorRate, ma.VersusMonolithLatency, ma.VersusMonolithClientErrorRate, len(ma.All()))
	}
}

// TestVersusMonolithOnlyBelow100: a service at 100 % is not compared (its
// rule forwards to it alone, and no rule sends a share to the monolith's
// extra target groups, which stay registered); the split has no monolith,
// so no extra target group and no comparison.
func TestVersusMonolithOnlyBelow100(t *testing.T) {
	jsiiTest(t)
	for _, stage := range []string{"users:100", "split"} {
		s := synth(t, fargate(stage))
		tpl := s.TemplateMap(t, stacks.ServicesStackName)
		m := s.App.Services.Migration
		for _, a := range resourcesOfType(tpl, "AWS::CloudWatch::Alarm") {
			if name := fmt.Sprint(a["Properties"].(map[string]any)["AlarmName"]); strings.HasSuffix(name, "-vs-monolith") {
				t.Errorf("%s: comparison alarm %s", stage, name)
			}
		}
		if len(m.MonolithTargetGroups) != 0 {
			t.Errorf("%s: MonolithTargetGroups %v, want none", stage, m.MonolithTargetGroups)
		}
		for name, a := range m.Alarms {
			if a.VersusMonolithErrorRate != nil || a.VersusMonolithLatency != nil || len(a.All()) != 5 {
				t.Errorf("%s: %s has comparison alarms", stage, name)
			}
		}
		usersTG, _ := serviceResource(t, tpl, "users", typeTargetGroup, "TargetGroup")
		_, rule := serviceResource(t, tpl, "users", typeListenerRule, "Rule")
		if got := forwardWeights(t, rule); !reflect.DeepEqual(got, map[string]float64{usersTG: 100}) {
			t.Errorf("%s: users' rule forwards %v, want users' target group alone", stage, got)
		}
		extras := 0
		for id, r := range tpl["Resources"].(map[string]any) {
			if r.(map[string]any)["Type"] == typeTargetGroup && strings.HasPrefix(id, "monolithExtraTargetGroup") {
				extras++
			}
		}
		want := 0
		if stage != "split" {
			want = min(len(stacks.ForumServices), migration.MaxWeightedServices)
		}
		if extras != want {
			t.Errorf("%s: %d extra target groups of the monolith, want %d", stage, extras, want)
		}
		for _, r := range loadRouting(t, s.Dir).Listener.Rules {
			if !r.PathsOnly() || r.Action.Forward == nil {
				continue
			}
			for _, w := range r.Action.Forward.TargetGroups {
				if strings.HasPrefix(w.TargetGroup.LogicalID, "monolithExtraTargetGroup") && w.Weight > 0 {
					t.Errorf("%s: %s sends a share to %s", stage, r.ID, w.TargetGroup)
				}
			}
		}
	}
}

// letterServices returns n services to extract, named a, b, ..., each
// owning /api/NAME and below.
func letterServices(n int) []microservice.Props {
	img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
	var out []microservice.Props
	for i := range n {
		name := string(rune('a' + i))
		out = append(out, microservice.Props{Name: name, Paths: []string{"/api/" + name, "/api/" + name + "/*"}, Image: img})
	}
	return out
}

// below returns a state with each of names at percent.
func below(percent int, names ...string) migration.State {
	var st migration.State
	for _, n := range names {
		st.Extracted = append(st.Extracted, migration.Extraction{Service: n, Percent: percent})
	}
	return st
}

// TestVersusMonolithLimit: ECS registers a service in at most five target
// groups, so at most four services may be below 100 % at once; a fifth is
// one error, on one line, naming the services, the limit and what to do.
// Four are accepted, each on a target group of its own, in a plan of six.
func TestVersusMonolithLimit(t *testing.T) {
	jsiiTest(t)
	msg := panicMessage(func() {
		migrationWith(func(p *migration.Props) {
			p.Services = letterServices(6)
			p.State = below(10, "a", "b", "c", "d", "e")
		})
	})
	for _, want := range []string{`migration "M"`, "State:", "5 services below 100 % at once (a, b, c, d, e)", "at most 4 may be",
		"at most 5 target groups", "so that at most 4 are below 100 % at once"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("want one problem on one line, got:\n%s", msg)
	}
	t.Logf("five below 100 %%: %s", msg)

	f := newFixture()
	img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
	m := migration.New(f.stack, "M", &migration.Props{
		Platform: microservice.PlatformOf(f.c, f.lb),
		Monolith: microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
		Services: letterServices(6),
		State:    below(10, "b", "c", "e", "f"),
	})
	if errs := annotations(f.stack, "aws:cdk:error"); len(errs) != 0 {
		t.Fatalf("four below 100 %% refused: %v", errs)
	}
	if n := len(m.Monolith.ExtraTargetGroups); n != migration.MaxWeightedServices {
		t.Errorf("the monolith of a plan of six has %d extra target groups, want %d", n, migration.MaxWeightedServices)
	}
	seen := map[string]string{}
	for _, name := range []string{"b", "c", "e", "f"} {
		tg := m.MonolithTargetGroups[name]
		if tg == nil {
			t.Fatalf("no monolith target group for %s", name)
		}
		path := *tg.Node().Path()
		if other, dup := seen[path]; dup {
			t.Errorf("%s and %s share the monolith's target group %s", name, other, path)
		}
		seen[path] = name
	}
}

// versusFixture builds a migration of a monolith and one service, users,
// at 10 %, with alarms a, and returns its template.
func versusFixture(t *testing.T, a migration.Alarms) map[string]any {
	t.Helper()
	f := newFixture()
	img := awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:latest"), nil)
	migration.New(f.stack, "M", &migration.Props{
		Platform: microservice.PlatformOf(f.c, f.lb),
		Monolith: microservice.Props{Name: "monolith", Paths: []string{"/api", "/api/*"}, Image: img},
		Services: []microservice.Props{{Name: "users", Paths: []string{"/api/users", "/api/users/*"}, Image: img}},
		State:    below(10, "users"),
		Alarms:   a,
	})
	if errs := annotations(f.stack, "aws:cdk:error"); len(errs) != 0 {
		t.Fatalf("alarms %+v refused: %v", a, errs)
	}
	var tpl map[string]any
	b, _ := json.Marshal(assertions.Template_FromStack(f.stack, nil).ToJSON())
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestVersusMonolithDefaultsOverridable: a plan of one service gives the
// monolith two target groups (two LoadBalancers entries); the comparison
// takes the Default* margin, factor and floor unless the props set others;
// a bad value is refused naming the prop, a token is not checked.
func TestVersusMonolithDefaultsOverridable(t *testing.T) {
	jsiiTest(t)
	for _, c := range []struct {
		name                          string
		alarms                        migration.Alarms
		margin, factor, floor, client float64
	}{
		{"defaults", migration.Alarms{}, migration.DefaultVersusMonolithErrorMargin, migration.DefaultVersusMonolithLatencyFactor,
			migration.DefaultVersusMonolithLatencyFloor.Seconds(), migration.DefaultVersusMonolithClientErrorMargin},
		{"overrides", migration.Alarms{VersusMonolithErrorMargin: 2.5, VersusMonolithLatencyFactor: 2, VersusMonolithLatencyFloor: 250 * time.Millisecond,
			VersusMonolithClientErrorMargin: 12}, 2.5, 2, 0.25, 12},
	} {
		tpl := versusFixture(t, c.alarms)
		_, mono := resourceWithPrefix(t, tpl, typeService, "Mmonolith")
		if n := len(mono["Properties"].(map[string]any)["LoadBalancers"].([]any)); n != 2 {
			t.Errorf("%s: the monolith is registered in %d target groups, want its own and one for users' paths", c.name, n)
		}
		for suffix, want := range map[string]float64{migration.VersusMonolithErrorRateSuffix: c.margin, migration.VersusMonolithLatencySuffix: c.factor,
			migration.VersusMonolithClientErrorRateSuffix: c.client} {
			p := alarmNamed(t, tpl, "Validation-users-"+suffix)["Properties"].(map[string]any)
			e := fmt.Sprint(p["Metrics"].([]any)[0].(map[string]any)["Expression"])
			switch suffix {
			case migration.VersusMonolithLatencySuffix:
				if p["Threshold"] != want {
					t.Errorf("%s: %s threshold %v, want %v", c.name, suffix, p["Threshold"], want)
				}
			default: // the margin is in the expression
				if !strings.Contains(e, fmt.Sprintf(") > %g, ", want)) {
					t.Errorf("%s: %s expression %q has no margin %g", c.name, suffix, e, want)
				}
			}
			if suffix == migration.VersusMonolithLatencySuffix && !strings.Contains(e, fmt.Sprintf("> %g,", c.floor)) {
				t.Errorf("%s: latency comparison %q does not floor the monolith's p99 at %gs", c.name, e, c.floor)
			}
		}
	}
	mig := func(edit func(*migration.Props)) func() { return func() { migrationWith(edit) } }
	for _, c := range []struct {
		name string
		run  func()
		want []string
	}{
		{"margin negative", mig(func(p *migration.Props) { p.Alarms.VersusMonolithErrorMargin = -1 }), []string{"Alarms.VersusMonolithErrorMargin", "got -1"}},
		{"margin above 100", mig(func(p *migration.Props) { p.Alarms.VersusMonolithErrorMargin = 150 }), []string{"Alarms.VersusMonolithErrorMargin", "got 150"}},
		{"client margin zero or less", mig(func(p *migration.Props) { p.Alarms.VersusMonolithClientErrorMargin = -5 }), []string{"Alarms.VersusMonolithClientErrorMargin", "got -5"}},
		{"factor below 1", mig(func(p *migration.Props) { p.Alarms.VersusMonolithLatencyFactor = 0.5 }), []string{"Alarms.VersusMonolithLatencyFactor", "got 0.5"}},
		{"floor not whole milliseconds", mig(func(p *migration.Props) { p.Alarms.VersusMonolithLatencyFloor = 1500 * time.Microsecond }), []string{"Alarms.VersusMonolithLatencyFloor", "got 1.5ms"}},
		{"monolith ExtraTargetGroups set", mig(func(p *migration.Props) { p.Monolith.ExtraTargetGroups = 1 }), []string{"Monolith.ExtraTargetGroups", "set by the migration"}},
		{"service ExtraTargetGroups above the ECS limit", mig(func(p *migration.Props) { p.Services[0].ExtraTargetGroups = 5 }), []string{"Services[0].ExtraTargetGroups", "from 0 to 4", "at most 5 target groups", "got 5"}},
	} {
		msg := panicMessage(c.run)
		for _, w := range append([]string{`migration "M"`}, c.want...) {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q does not contain %q", c.name, msg, w)
			}
		}
	}
	if msg := panicMessage(mig(func(p *migration.Props) {
		param := awscdk.NewCfnParameter(p.Platform.Cluster.Stack(), jsii.String("Margin"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
		p.Alarms.VersusMonolithErrorMargin = *param.ValueAsNumber()
		p.Alarms.VersusMonolithLatencyFactor = *awscdk.Token_AsNumber(param.Value())
	})); msg != "" {
		t.Errorf("a margin and a factor from a parameter refused: %s", msg)
	}
}

// TestVersusMonolithOrdering: the monolith's registrations do not come and
// go with a service's share, so no step drains a target group a rule still
// sends to. The design that registered the monolith only while a service
// is below 100 % is planted and caught, statically and under load: taking
// users:10 back to the monolith would drain the monolith's target group
// for users' paths in the update phase, while users' rule, still sending
// it 90 %, goes only in the cleanup phase. And a monolith registered anew
// (an app upgraded from a version without these target groups) is waited
// for by the rule that sends it the share; planted without that wait, the
// check reports it.
func TestVersusMonolithOrdering(t *testing.T) {
	parallel(t)
	users10, mono := synth(t, fargate("users:10")), synth(t, monolithFargate)
	if p := transition.Check(loadRouting(t, users10.Dir), loadRouting(t, mono.Dir)); len(p) != 0 {
		t.Errorf("users:10 -> monolith: %v", p)
	}
	// The monolith state of the per-state design: the monolith is not in
	// the target group users' rule sent its share to.
	var sameTG albemu.ResourceID
	for _, w := range loadRouting(t, users10.Dir).Listener.Rules {
		if w.PathsOnly() && w.Action.Forward != nil && len(w.Action.Forward.TargetGroups) == 2 {
			sameTG = w.Action.Forward.TargetGroups[1].TargetGroup
		}
	}
	if !strings.HasPrefix(sameTG.LogicalID, "monolithExtraTargetGroup") {
		t.Fatalf("users' rule in users:10 shares with %v, want a monolith's extra target group", sameTG)
	}
	dropGroup := func(r map[string]any) {
		p := r["Properties"].(map[string]any)
		p["LoadBalancers"] = slices.DeleteFunc(p["LoadBalancers"].([]any), func(lb any) bool {
			return refOf(lb.(map[string]any)["TargetGroupArn"]) == sameTG.LogicalID
		})
	}
	perState, _ := plantInServices(t, mono.Dir, albemu.TypeService, "monolithService", dropGroup)
	problems := strings.Join(transition.Check(loadRouting(t, users10.Dir), loadRouting(t, perState)), "\n")
	if !strings.Contains(problems, "which EcsplitServices/monolithService") || !strings.Contains(problems, "deleted only in the cleanup phase") {
		t.Errorf("the per-state design's users:10 -> monolith was not reported: %q", problems)
	} else {
		t.Logf("planted per-state registration caught: %s", problems)
	}

	// Upgraded: users:10 of a version whose monolith has no extra target
	// groups and whose users' rule shares with the monolith's own.
	mainTG, _ := serviceResource(t, users10.TemplateMap(t, stacks.ServicesStackName), "monolith", typeTargetGroup, "TargetGroup")
	old := plantFault(t, users10.Dir, func(dir string) {
		editTemplate(t, dir, stacks.ServicesStackName, func(tpl map[string]any) {
			_, svc := resourceWithPrefix(t, tpl, typeService, "monolithService")
			p := svc["Properties"].(map[string]any)
			p["LoadBalancers"] = p["LoadBalancers"].([]any)[:1]
			_, rule := resourceWithPrefix(t, tpl, typeListenerRule, "usersRule")
			groups := rule["Properties"].(map[string]any)["Actions"].([]any)[0].(map[string]any)["ForwardConfig"].(map[string]any)["TargetGroups"].([]any)
			groups[1].(map[string]any)["TargetGroupArn"] = map[string]any{"Ref": mainTG}
		})
	})
	if p := transition.Check(loadRouting(t, old), loadRouting(t, users10.Dir)); len(p) != 0 {
		t.Errorf("upgraded users:10 -> users:10: %v", p)
	}
	unwaited, _ := plantInServices(t, users10.Dir, albemu.TypeListenerRule, "usersRule", func(r map[string]any) {
		r["DependsOn"] = slices.DeleteFunc(r["DependsOn"].([]any), func(d any) bool { return strings.HasPrefix(d.(string), "monolith") })
	})
	problems = strings.Join(transition.Check(loadRouting(t, old), loadRouting(t, unwaited)), "\n")
	if !strings.Contains(problems, "in which this update registers EcsplitServices/monolithService") {
		t.Errorf("a rule not waiting for the monolith's registration was not reported: %q", problems)
	} else {
		t.Logf("planted unwaited registration caught: %s", problems)
	}

	// Under load: the step back serves every request; the per-state
	// design's answers 503 on users' paths, and only there.
	t.Run("under load", func(t *testing.T) {
		_, res, rep := transitionRun(t, users10.Dir, mono.Dir, transitionTiming)
		if res.Failed != nil || rep.Unexpected != 0 {
			t.Errorf("users:10 -> monolith: failed %v; %s: %v", res.Failed, rep, rep.Examples)
		}
		slow := deploy.Timing{Scale: 0.05, Seed: 1}
		_, res, rep = transitionRun(t, users10.Dir, perState, slow)
		if res.Failed != nil {
			t.Fatalf("the planted update failed: %v", res.Failed)
		}
		if rep.Unexpected == 0 || rep.ByStatus[503] != rep.Unexpected {
			t.Fatalf("the per-state design: %s, want 503s and only 503s", rep)
		}
		for _, u := range rep.Examples {
			if !strings.HasPrefix(strings.ToLower(u.Request.Target), "/api/users") {
				t.Errorf("a 503 outside users' paths: %s", u)
			}
		}
		t.Logf("planted per-state registration caught under load: %s; first: %s", rep, rep.Examples[0])
	})
}
