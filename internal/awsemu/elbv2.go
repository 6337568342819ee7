package awsemu

import (
	"cmp"
	"encoding/xml"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// The Elastic Load Balancing v2 calls the emulator serves: DescribeRules
// and ModifyRule, on the listener the router serves.

// elbVersion is the API version of Elastic Load Balancing v2.
const elbVersion = "2015-12-01"

// Limits of ELBv2 that ModifyRule checks.
const (
	maxWeight            = 999
	maxForwardGroups     = 5
	maxStickiness        = 604800 // seconds, 7 days
	maxPageSize          = 400
	maxFixedResponseBody = 1024
)

// serveELB serves an Elastic Load Balancing v2 call.
func (s *Server) serveELB(w http.ResponseWriter, r *http.Request) {
	p, err := newParams(r)
	if err != nil {
		writeError(w, clientError("MalformedQueryString", "%v", err))
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeError(w, &apiError{http.StatusMethodNotAllowed, "InvalidAction", "use POST"})
		return
	}
	if p["Version"] != elbVersion {
		writeError(w, clientError("InvalidAction", "Version %q: the emulator serves Elastic Load Balancing v2, %s", p["Version"], elbVersion))
		return
	}
	var result any
	switch action := p["Action"]; action {
	case "DescribeRules":
		result, err = s.describeRules(p)
	case "ModifyRule":
		result, err = s.modifyRule(p)
	default:
		err = clientError("InvalidAction", "the action %s is not valid for this web service (the emulator serves DescribeRules and ModifyRule)", action)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, p["Action"], result)
}

// rulesResult is the result of DescribeRules and ModifyRule.
type rulesResult struct {
	XMLName    xml.Name
	Rules      []ruleXML `xml:"Rules>member"`
	NextMarker string    `xml:",omitempty"`
}

// describeRules answers DescribeRules: the rules of the listener, or
// those named, by priority, the default rule last.
func (s *Server) describeRules(p params) (any, error) {
	listenerARN, ruleARNs := p["ListenerArn"], p.list("RuleArns")
	if (listenerARN == "") == (len(ruleARNs) == 0) {
		return nil, clientError("ValidationError", "You must specify either listener ARN or rules ARNs")
	}
	l := s.router.Listener()
	all := s.rulesOf(l)
	var rules []ruleXML
	if listenerARN != "" {
		if listenerARN != s.arns.Listener(l.ID) {
			return nil, clientError("ListenerNotFound", "One or more listeners not found")
		}
		rules = all
	}
	for _, arn := range ruleARNs {
		i := slices.IndexFunc(all, func(r ruleXML) bool { return r.RuleArn == arn })
		if i < 0 {
			return nil, clientError("RuleNotFound", "One or more rules not found")
		}
		rules = append(rules, all[i])
	}
	from := 0
	if m := p["Marker"]; m != "" {
		var err error
		if from, err = strconv.Atoi(m); err != nil || from < 0 || from > len(rules) {
			return nil, clientError("ValidationError", "Marker %q is not valid", m)
		}
	}
	size := len(rules)
	if v, ok := p["PageSize"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, clientError("ValidationError", "PageSize %s: want 1 to %d", v, maxPageSize)
		}
		size = n
	}
	res := rulesResult{XMLName: xml.Name{Local: "DescribeRulesResult"}, Rules: rules[from:min(from+size, len(rules))]}
	if from+size < len(rules) {
		res.NextMarker = strconv.Itoa(from + size)
	}
	return res, nil
}

// rulesOf returns the rules of l, by priority, and its default rule.
func (s *Server) rulesOf(l *albemu.Listener) []ruleXML {
	var out []ruleXML
	for _, r := range l.Rules {
		out = append(out, s.ruleXML(l, r))
	}
	return append(out, ruleXML{
		RuleArn: s.arns.DefaultRule(l.ID), Priority: "default", IsDefault: true,
		Actions: []actionXML{s.actionXML(l.Default)},
	})
}

// modifyRule answers ModifyRule: it makes the router serve the rule with
// its new actions from the next request on. It changes the actions of a
// rule only; its conditions stay.
func (s *Server) modifyRule(p params) (any, error) {
	arn := p["RuleArn"]
	if arn == "" {
		return nil, clientError("ValidationError", "1 validation error detected: Value null at 'ruleArn' failed to satisfy constraint: Member must not be null")
	}
	for _, key := range []string{"Conditions", "Transforms"} {
		if p.has(key) {
			return nil, clientError("ValidationError", "%s: the emulator changes a rule's actions only", key)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.router.Listener()
	i := slices.IndexFunc(l.Rules, func(r *albemu.Rule) bool { return s.arns.Rule(l.ID, r.ID) == arn })
	if i < 0 {
		if arn == s.arns.DefaultRule(l.ID) {
			return nil, clientError("OperationNotPermitted", "Default rule '%s' cannot be modified; change the listener's default actions with ModifyListener", arn)
		}
		return nil, clientError("RuleNotFound", "One or more rules not found")
	}
	rule := *l.Rules[i] // a copy: the router's rules are shared
	if p.has("Actions") {
		a, err := s.readAction(l, p)
		if err != nil {
			return nil, err
		}
		rule.Action = a
	}
	next := *l
	next.Rules = slices.Clone(l.Rules)
	next.Rules[i] = &rule
	s.router.SetListener(&next)
	return rulesResult{XMLName: xml.Name{Local: "ModifyRuleResult"}, Rules: []ruleXML{s.ruleXML(&next, &rule)}}, nil
}

// fixedResponseStatus is the form of a fixed response's StatusCode.
var fixedResponseStatus = regexp.MustCompile(`^[245]\d\d$`)

// readAction reads the Actions of a ModifyRule: one forward,
// fixed-response or redirect action.
func (s *Server) readAction(l *albemu.Listener, p params) (albemu.Action, error) {
	list := p.structs("Actions")
	switch {
	case len(list) == 0:
		return albemu.Action{}, clientError("ValidationError", "Actions: a rule needs an action")
	case len(list) > 1:
		return albemu.Action{}, clientError("ValidationError", "Actions: %d actions; the emulator serves one (forward, fixed-response or redirect)", len(list))
	}
	a := list[0]
	switch a["Type"] {
	case albemu.ActionForward:
		f, err := s.readForward(l, a)
		return albemu.Action{Forward: f}, err
	case albemu.ActionFixedResponse:
		fr := &albemu.FixedResponse{ContentType: "text/plain", Body: a["FixedResponseConfig.MessageBody"]}
		code := a["FixedResponseConfig.StatusCode"]
		if !fixedResponseStatus.MatchString(code) {
			return albemu.Action{}, clientError("ValidationError", "FixedResponseConfig.StatusCode %q: want 2XX, 4XX or 5XX", code)
		}
		fr.StatusCode, _ = strconv.Atoi(code)
		if ct := a["FixedResponseConfig.ContentType"]; ct != "" {
			fr.ContentType = ct
		}
		if len(fr.Body) > maxFixedResponseBody {
			return albemu.Action{}, clientError("ValidationError", "FixedResponseConfig.MessageBody: %d characters, at most %d", len(fr.Body), maxFixedResponseBody)
		}
		return albemu.Action{FixedResponse: fr}, nil
	case albemu.ActionRedirect:
		c := a.sub("RedirectConfig.")
		rd := &albemu.Redirect{Protocol: c["Protocol"], Host: c["Host"], Port: c["Port"], Path: c["Path"], Query: c["Query"]}
		switch c["StatusCode"] {
		case "HTTP_301":
			rd.StatusCode = http.StatusMovedPermanently
		case "HTTP_302":
			rd.StatusCode = http.StatusFound
		default:
			return albemu.Action{}, clientError("ValidationError", "RedirectConfig.StatusCode %q: want HTTP_301 or HTTP_302", c["StatusCode"])
		}
		return albemu.Action{Redirect: rd}, nil
	}
	return albemu.Action{}, clientError("ValidationError", "action Type %q is not emulated (forward, fixed-response and redirect are)", a["Type"])
}

// readForward reads a forward action, in its plain form (TargetGroupArn)
// or its weighted one (ForwardConfig), and checks it as ELBv2 does.
func (s *Server) readForward(l *albemu.Listener, a params) (*albemu.Forward, error) {
	f := &albemu.Forward{}
	seen := map[albemu.ResourceID]bool{}
	for i, t := range a.structs("ForwardConfig.TargetGroups") {
		id, err := s.targetGroup(l, t["TargetGroupArn"])
		if err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, clientError("ValidationError", "ForwardConfig.TargetGroups: target group '%s' is given twice", t["TargetGroupArn"])
		}
		seen[id] = true
		w := 1
		if v, ok := t["Weight"]; ok {
			if w, err = strconv.Atoi(v); err != nil || w < 0 || w > maxWeight {
				return nil, clientError("ValidationError", "1 validation error detected: Value '%s' at 'actions.1.member.forwardConfig.targetGroups.%d.member.weight' failed to satisfy constraint: Member must have value between 0 and %d", v, i+1, maxWeight)
			}
		}
		f.TargetGroups = append(f.TargetGroups, albemu.WeightedTarget{TargetGroup: id, Weight: w})
	}
	if len(f.TargetGroups) > maxForwardGroups {
		return nil, clientError("ValidationError", "ForwardConfig.TargetGroups: %d target groups, at most %d", len(f.TargetGroups), maxForwardGroups)
	}
	if arn := a["TargetGroupArn"]; arn != "" {
		id, err := s.targetGroup(l, arn)
		if err != nil {
			return nil, err
		}
		switch {
		case len(f.TargetGroups) == 0:
			f.TargetGroups = []albemu.WeightedTarget{{TargetGroup: id, Weight: 1}}
		case len(f.TargetGroups) != 1 || f.TargetGroups[0].TargetGroup != id:
			return nil, clientError("ValidationError", "TargetGroupArn and ForwardConfig.TargetGroups name different target groups")
		}
	}
	if len(f.TargetGroups) == 0 {
		return nil, clientError("ValidationError", "A forward action needs a target group: TargetGroupArn or ForwardConfig.TargetGroups")
	}
	st := a.sub("ForwardConfig.TargetGroupStickinessConfig.")
	if st["Enabled"] == "true" {
		secs, err := strconv.Atoi(st["DurationSeconds"])
		if err != nil || secs < 1 || secs > maxStickiness {
			return nil, clientError("ValidationError", "TargetGroupStickinessConfig.DurationSeconds %q: want 1 to %d", st["DurationSeconds"], maxStickiness)
		}
		f.Stickiness = time.Duration(secs) * time.Second
	}
	return f, nil
}

// targetGroup returns the target group of an ARN: one of the assembly's,
// or one that the listener forwards to.
func (s *Server) targetGroup(l *albemu.Listener, arn string) (albemu.ResourceID, error) {
	known := map[albemu.ResourceID]bool{}
	for id := range s.asm.TargetGroups {
		known[id] = true
	}
	for _, a := range append([]albemu.Action{l.Default}, actionsOf(l)...) {
		if a.Forward != nil {
			for _, t := range a.Forward.TargetGroups {
				known[t.TargetGroup] = true
			}
		}
	}
	for id := range known {
		if s.arns.TargetGroup(id) == arn {
			return id, nil
		}
	}
	return albemu.ResourceID{}, clientError("TargetGroupNotFound", "Target groups '%s' not found", arn)
}

// actionsOf returns the actions of l's rules.
func actionsOf(l *albemu.Listener) []albemu.Action {
	var out []albemu.Action
	for _, r := range l.Rules {
		out = append(out, r.Action)
	}
	return out
}

// ruleXML, actionXML and their parts are a Rule as DescribeRules and
// ModifyRule answer it.
type (
	ruleXML struct {
		RuleArn    string
		Priority   string
		IsDefault  bool
		Conditions []conditionXML `xml:"Conditions>member"`
		Actions    []actionXML    `xml:"Actions>member"`
	}
	conditionXML struct {
		Field                   string
		Values                  []string       `xml:"Values>member,omitempty"`
		PathPatternConfig       *valuesXML     `xml:"PathPatternConfig"`
		HostHeaderConfig        *valuesXML     `xml:"HostHeaderConfig"`
		HTTPHeaderConfig        *httpHeaderXML `xml:"HttpHeaderConfig"`
		HTTPRequestMethodConfig *valuesXML     `xml:"HttpRequestMethodConfig"`
		QueryStringConfig       *queryXML      `xml:"QueryStringConfig"`
		SourceIPConfig          *valuesXML     `xml:"SourceIpConfig"`
	}
	valuesXML struct {
		Values []string `xml:"Values>member"`
	}
	httpHeaderXML struct {
		HTTPHeaderName string   `xml:"HttpHeaderName"`
		Values         []string `xml:"Values>member"`
	}
	queryXML struct {
		Values []keyValueXML `xml:"Values>member"`
	}
	keyValueXML struct {
		Key   string `xml:",omitempty"`
		Value string
	}
	actionXML struct {
		Type                string
		Order               int
		TargetGroupArn      string       `xml:",omitempty"`
		ForwardConfig       *forwardXML  `xml:"ForwardConfig"`
		FixedResponseConfig *fixedXML    `xml:"FixedResponseConfig"`
		RedirectConfig      *redirectXML `xml:"RedirectConfig"`
	}
	forwardXML struct {
		TargetGroups                []tupleXML `xml:"TargetGroups>member"`
		TargetGroupStickinessConfig stickinessXML
	}
	tupleXML struct {
		TargetGroupArn string
		Weight         int
	}
	stickinessXML struct {
		Enabled         bool
		DurationSeconds int `xml:",omitempty"`
	}
	fixedXML struct {
		StatusCode  string
		ContentType string `xml:",omitempty"`
		MessageBody string `xml:",omitempty"`
	}
	redirectXML struct {
		Protocol, Port, Host, Path, Query, StatusCode string
	}
)

// ruleXML describes a rule of l.
func (s *Server) ruleXML(l *albemu.Listener, r *albemu.Rule) ruleXML {
	out := ruleXML{RuleArn: s.arns.Rule(l.ID, r.ID), Priority: strconv.Itoa(r.Priority), Actions: []actionXML{s.actionXML(r.Action)}}
	for _, c := range r.Conditions {
		cx := conditionXML{Field: c.Field}
		values := &valuesXML{Values: c.Values}
		switch c.Field {
		case albemu.FieldPathPattern:
			cx.Values, cx.PathPatternConfig = c.Values, values
		case albemu.FieldHostHeader:
			cx.Values, cx.HostHeaderConfig = c.Values, values
		case albemu.FieldHTTPHeader:
			cx.HTTPHeaderConfig = &httpHeaderXML{HTTPHeaderName: c.HeaderName, Values: c.Values}
		case albemu.FieldMethod:
			cx.HTTPRequestMethodConfig = values
		case albemu.FieldSourceIP:
			cx.SourceIPConfig = values
		case albemu.FieldQueryString:
			cx.QueryStringConfig = &queryXML{}
			for _, kv := range c.Query {
				cx.QueryStringConfig.Values = append(cx.QueryStringConfig.Values, keyValueXML{kv.Key, kv.Value})
			}
		}
		out.Conditions = append(out.Conditions, cx)
	}
	return out
}

// actionXML describes an action, with ELBv2's defaults written out.
func (s *Server) actionXML(a albemu.Action) actionXML {
	out := actionXML{Order: 1}
	switch {
	case a.Forward != nil:
		out.Type = albemu.ActionForward
		fc := &forwardXML{}
		for _, t := range a.Forward.TargetGroups {
			fc.TargetGroups = append(fc.TargetGroups, tupleXML{s.arns.TargetGroup(t.TargetGroup), t.Weight})
		}
		if len(fc.TargetGroups) == 1 {
			out.TargetGroupArn = fc.TargetGroups[0].TargetGroupArn
		}
		if a.Forward.Stickiness > 0 {
			fc.TargetGroupStickinessConfig = stickinessXML{Enabled: true, DurationSeconds: int(a.Forward.Stickiness.Seconds())}
		}
		out.ForwardConfig = fc
	case a.FixedResponse != nil:
		out.Type = albemu.ActionFixedResponse
		fr := a.FixedResponse
		out.FixedResponseConfig = &fixedXML{StatusCode: strconv.Itoa(fr.StatusCode), ContentType: fr.ContentType, MessageBody: fr.Body}
	case a.Redirect != nil:
		out.Type = albemu.ActionRedirect
		rd := a.Redirect
		out.RedirectConfig = &redirectXML{
			Protocol: cmp.Or(rd.Protocol, "#{protocol}"), Port: cmp.Or(rd.Port, "#{port}"), Host: cmp.Or(rd.Host, "#{host}"),
			Path: cmp.Or(rd.Path, "/#{path}"), Query: cmp.Or(rd.Query, "#{query}"), StatusCode: "HTTP_" + strconv.Itoa(rd.StatusCode),
		}
	}
	return out
}
