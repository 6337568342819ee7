// Package awsemu serves, over HTTP, the AWS API calls that a traffic ramp
// makes, on top of the ALB emulator (package albemu): the Elastic Load
// Balancing v2 calls DescribeRules and ModifyRule, which read and change
// the listener rules a live albemu.Router serves, and the CloudWatch call
// DescribeAlarms, whose alarms are the AWS::CloudWatch::Alarm resources of
// the assembly's templates, in states computed from the router's own
// traffic.
//
// A client reaches it through the AWS SDK for Go v2 with the server's URL
// as its BaseEndpoint (Config): the same code that ramps in AWS ramps
// locally. The emulator speaks each service's protocol as the SDK does:
// AWS Query with XML answers for Elastic Load Balancing (elbv2.go),
// Smithy RPC v2 CBOR for CloudWatch (cloudwatch.go).
//
// Time can be compressed: with Options.Scale 1/60, an alarm's 60-second
// period lasts one real second. Each load balancer metric is kept in
// buckets of one emulated second (metrics.go); an alarm is evaluated, when
// DescribeAlarms asks for it, at the end of each of its periods since it
// was last evaluated (evaluate.go), from its metrics and metric math
// expressions (expr.go), as the templates define them (alarms.go).
package awsemu

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// Options tune a Server.
type Options struct {
	// Scale is the real duration of an emulated second, in seconds: with
	// 1.0/60 an alarm's 60-second period lasts one second. Default: 1,
	// real time.
	Scale float64
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Server serves the Elastic Load Balancing v2 and CloudWatch calls of a
// ramp on top of a router and the assembly it serves. Make it with New.
type Server struct {
	asm     *albemu.Assembly
	router  *albemu.Router
	arns    *ARNs
	now     func() time.Time
	metrics *metrics

	// hosts are the target groups whose registered targets alarms watch.
	hosts []albemu.ResourceID

	mu     sync.Mutex // guards the alarms' state, and serializes ModifyRule
	alarms []*alarm   // by name

	srv *http.Server // set by Start
}

// New returns a server of the rules that rt serves and of the alarms of
// asm's templates, which it computes from the traffic that rt reports to
// Observe: give rt.SetObserver s.Observe. rt serves asm's listener, or a
// later version of it. It starts no goroutine and listens nowhere: serve
// its Handler, or Start it.
func New(asm *albemu.Assembly, rt *albemu.Router, opts Options) *Server {
	if opts.Scale <= 0 {
		opts.Scale = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{asm: asm, router: rt, arns: NewARNs(asm), now: opts.Now}
	s.alarms = readAlarms(asm.Templates, s.arns.resolver, newSources(asm, s.arns))
	slices.SortStableFunc(s.alarms, func(a, b *alarm) int { return strings.Compare(a.name, b.name) })
	retain := int64(3600) // seconds of buckets kept: twice the longest evaluation range
	hosts := map[albemu.ResourceID]bool{}
	for _, a := range s.alarms {
		retain = max(retain, int64(2*(a.evaluationPeriods+1)*a.period))
		for _, m := range a.metricStats() {
			if m.name == metricHealthyHosts || m.name == metricUnhealthyHosts {
				hosts[m.source] = true
			}
		}
	}
	s.hosts = slices.SortedFunc(maps.Keys(hosts), albemu.CompareIDs)
	second := time.Duration(opts.Scale * float64(time.Second))
	s.metrics = newMetrics(opts.Now(), max(second, time.Microsecond), retain)
	return s
}

// metricStats returns the metrics an alarm watches.
func (a *alarm) metricStats() []*metricStat {
	if a.single != nil {
		return []*metricStat{a.single}
	}
	var out []*metricStat
	for _, q := range a.queries {
		if q.stat != nil {
			out = append(out, q.stat)
		}
	}
	return out
}

// ARNs returns the ARNs the server gives the assembly's resources.
func (s *Server) ARNs() *ARNs { return s.arns }

// NotEmulated returns, for each alarm of the templates that the emulator
// cannot compute (a metric other than the load balancer's, a statistic
// or a function it does not know), why: such an alarm stays in
// INSUFFICIENT_DATA.
func (s *Server) NotEmulated() []error {
	var out []error
	for _, a := range s.alarms {
		if a.notEmulated != nil {
			out = append(out, a.notEmulated)
		}
	}
	return out
}

// Observe counts what the router served in the load balancer's metrics:
// it is the router's observer (albemu.Router.SetObserver). It is safe for
// concurrent use.
func (s *Server) Observe(served albemu.Served) {
	now := s.now()
	s.metrics.observe(now, served)
	s.sampleHosts(now)
}

// sampleHosts records the registered targets of the target groups that
// alarms watch, once an emulated second.
func (s *Server) sampleHosts(now time.Time) {
	if len(s.hosts) == 0 || !s.metrics.hostsDue(now) {
		return
	}
	counts := map[albemu.ResourceID]int{}
	for _, tg := range s.hosts {
		counts[tg] = len(s.router.Targets(tg))
	}
	s.metrics.sampleHosts(now, counts)
}

// Handler returns the handler of both APIs: CloudWatch's requests by their
// path (/service/GraniteServiceVersion20100801/operation/NAME), Elastic
// Load Balancing's by their form (Action=NAME&Version=2015-12-01).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, cloudWatchPath) {
			s.serveCloudWatch(w, r)
			return
		}
		s.serveELB(w, r)
	})
}

// Start serves the Handler on addr, such as "127.0.0.1:0" (the default
// when addr is ""), until Close, and returns its base URL, such as
// "http://127.0.0.1:41234".
func (s *Server) Start(addr string) (string, error) {
	if s.srv != nil {
		return "", errors.New("awsemu: the server is started already")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Close stops serving, when Start served.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// Config returns the AWS SDK configuration that reaches an emulator at
// endpoint, its base URL: the emulator's Region, static credentials
// (local, local) and endpoint as BaseEndpoint. Clients made from it
// (elasticloadbalancingv2.NewFromConfig, cloudwatch.NewFromConfig) call the
// emulator.
func Config(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "awsemu"}, nil
		}),
	}
}
