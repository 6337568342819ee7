package awsemu

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// namespaceELB is the CloudWatch namespace of the load balancer's metrics.
const namespaceELB = "AWS/ApplicationELB"

// The AWS/ApplicationELB metrics the emulator computes from the router's
// traffic. A metric of the load balancer counts every request; one of a
// target group those sent to its targets.
const (
	metricRequestCount    = "RequestCount"
	metricConnectionError = "TargetConnectionErrorCount"
	metricResponseTime    = "TargetResponseTime"
	metricHealthyHosts    = "HealthyHostCount"
	metricUnhealthyHosts  = "UnHealthyHostCount"
)

// metricOf reports whether the emulator computes the metric named name
// for a target group (tg) or for the load balancer (!tg).
func metricOf(name string, tg bool) bool {
	switch name {
	case metricRequestCount, metricConnectionError, metricResponseTime,
		"HTTPCode_Target_2XX_Count", "HTTPCode_Target_3XX_Count", "HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count":
		return true
	case metricHealthyHosts, metricUnhealthyHosts:
		return tg
	}
	_, ok := elbCodes(name)
	return ok && !tg
}

// elbCodes returns the statuses the load balancer's own answers count in
// metric name: HTTPCode_ELB_5XX_Count counts 500 to 599,
// HTTPCode_ELB_502_Count 502 only.
func elbCodes(name string) ([2]int, bool) {
	code, ok := strings.CutPrefix(name, "HTTPCode_ELB_")
	if code, ok = strings.CutSuffix(code, "_Count"); !ok || len(code) != 3 {
		return [2]int{}, false
	}
	if class, ok := strings.CutSuffix(code, "XX"); ok && class >= "3" && class <= "5" {
		n := int(class[0]-'0') * 100
		return [2]int{n, n + 99}, true
	}
	switch code {
	case "500", "502", "503", "504":
		n, _ := strconv.Atoi(code)
		return [2]int{n, n}, true
	}
	return [2]int{}, false
}

// statistic is how a period's samples make a datapoint: Sum, Average,
// Minimum, Maximum, SampleCount, or a percentile such as p99.
type statistic struct {
	name string  // the statistic, "p" for a percentile
	p    float64 // the percentile, 0 to 100
}

// parseStatistic reads a Statistic, or an ExtendedStatistic of the pNN
// form.
func parseStatistic(s string) (statistic, error) {
	switch s {
	case "Sum", "Average", "Minimum", "Maximum", "SampleCount":
		return statistic{name: s}, nil
	}
	if rest, ok := strings.CutPrefix(s, "p"); ok {
		if p, err := strconv.ParseFloat(rest, 64); err == nil && p >= 0 && p <= 100 {
			return statistic{name: "p", p: p}, nil
		}
	}
	return statistic{}, fmt.Errorf("statistic %q is not emulated (Sum, Average, Minimum, Maximum, SampleCount and pNN are)", s)
}

// of returns the statistic of samples, which are not empty.
func (st statistic) of(samples []float64) float64 {
	switch st.name {
	case "Sum":
		return sum(samples)
	case "Average":
		return sum(samples) / float64(len(samples))
	case "Minimum":
		return slices.Min(samples)
	case "Maximum":
		return slices.Max(samples)
	case "SampleCount":
		return float64(len(samples))
	}
	sorted := slices.Sorted(slices.Values(samples))
	rank := int(math.Ceil(st.p / 100 * float64(len(sorted)))) // nearest rank
	return sorted[max(rank-1, 0)]
}

// bucket is what one source (a target group, or the load balancer) served
// in one emulated second.
type bucket struct {
	requests   int         // requests sent to a target, and the load balancer's own answers below 500
	target     map[int]int // the targets' answers, by status
	elb        map[int]int // the load balancer's own answers, by status
	connErrors int         // requests whose target did not answer
	times      []float64   // the targets' response times, in seconds
}

// step is a registered target count from second from on.
type step struct {
	from  int64
	count int
}

// metrics holds the traffic the router served, in per-second buckets of
// emulated time, for each target group and for the load balancer (the
// zero ResourceID), and the counts of registered targets over time. It is
// safe for concurrent use.
type metrics struct {
	origin time.Time     // the start of second 0
	second time.Duration // the real length of an emulated second
	retain int64         // how many seconds of buckets to keep

	mu      sync.Mutex
	buckets map[albemu.ResourceID]map[int64]*bucket
	hosts   map[albemu.ResourceID][]step // each target group's registered targets, as sampled
	pruned  int64                        // the second buckets were last pruned at
	sampled int64                        // the second hosts were last sampled in
}

func newMetrics(origin time.Time, second time.Duration, retain int64) *metrics {
	return &metrics{
		origin: origin, second: second, retain: retain,
		buckets: map[albemu.ResourceID]map[int64]*bucket{},
		hosts:   map[albemu.ResourceID][]step{},
		sampled: -1,
	}
}

// at returns the emulated second that t falls in.
func (m *metrics) at(t time.Time) int64 {
	d := t.Sub(m.origin)
	if d < 0 {
		return -1 - int64(-d/m.second)
	}
	return int64(d / m.second)
}

// bucket returns the bucket of src for second sec. m.mu is held.
func (m *metrics) bucket(src albemu.ResourceID, sec int64) *bucket {
	bs := m.buckets[src]
	if bs == nil {
		bs = map[int64]*bucket{}
		m.buckets[src] = bs
	}
	b := bs[sec]
	if b == nil {
		b = &bucket{target: map[int]int{}, elb: map[int]int{}}
		bs[sec] = b
	}
	return b
}

// observe counts what the router served at t in the load balancer's
// bucket and, when it chose a target, in its target group's.
func (m *metrics) observe(t time.Time, s albemu.Served) {
	sec := m.at(t)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune(sec)
	lb := m.bucket(albemu.ResourceID{}, sec)
	if s.TargetGroup == (albemu.ResourceID{}) {
		lb.elb[s.Status]++
		if s.Status < 500 {
			lb.requests++
		}
		return
	}
	for _, b := range []*bucket{lb, m.bucket(s.TargetGroup, sec)} {
		b.requests++
		if s.Status == albemu.StatusClientClosed { // no answer, and no failure
			continue
		}
		if s.TargetFailed {
			b.connErrors++
			continue
		}
		b.target[s.Status]++
		b.times = append(b.times, s.Elapsed.Seconds())
	}
	if s.TargetFailed {
		lb.elb[s.Status]++
	}
}

// prune drops the buckets older than m.retain seconds before sec, once a
// retention span. m.mu is held.
func (m *metrics) prune(sec int64) {
	if sec-m.pruned < m.retain {
		return
	}
	m.pruned = sec
	for _, bs := range m.buckets {
		for s := range bs {
			if s < sec-m.retain {
				delete(bs, s)
			}
		}
	}
}

// hostsDue reports whether the registered targets were not sampled yet in
// the second of t, and marks them sampled.
func (m *metrics) hostsDue(t time.Time) bool {
	sec := m.at(t)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sampled == sec {
		return false
	}
	m.sampled = sec
	return true
}

// sampleHosts records how many targets each target group had registered
// at t.
func (m *metrics) sampleHosts(t time.Time, counts map[albemu.ResourceID]int) {
	sec := m.at(t)
	m.mu.Lock()
	defer m.mu.Unlock()
	for tg, n := range counts {
		steps := m.hosts[tg]
		if len(steps) > 0 && (steps[len(steps)-1].count == n || steps[len(steps)-1].from > sec) {
			continue // the same count, or a sample older than the last (two requests raced): hostCounts needs them in order
		}
		if len(steps) > 0 && steps[len(steps)-1].from == sec {
			steps = steps[:len(steps)-1] // a second keeps its last sample
		}
		m.hosts[tg] = append(steps, step{sec, n})
	}
}

// datapoint returns the datapoint of the metric name of src (a target
// group, or the load balancer) in the seconds [from, to) with statistic
// st, and whether there is one: like the ALB, the emulator reports a count
// only when it is not zero, and a target group's hosts only when it has
// registered targets.
func (m *metrics) datapoint(src albemu.ResourceID, name string, st statistic, from, to int64) (float64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var samples []float64
	switch name {
	case metricHealthyHosts, metricUnhealthyHosts:
		for _, n := range m.hostCounts(src, from, to) {
			if n == 0 {
				continue
			}
			if name == metricUnhealthyHosts {
				n = 0 // the emulator counts every registered target healthy
			}
			samples = append(samples, float64(n))
		}
	case metricResponseTime:
		for _, b := range m.period(src, from, to) {
			samples = append(samples, b.times...)
		}
	default:
		count := 0
		for _, b := range m.period(src, from, to) {
			count += countOf(b, name)
		}
		if count == 0 {
			return 0, false
		}
		switch st.name {
		case "Sum", "SampleCount":
			return float64(count), true
		}
		return 1, true // each request is a sample of 1
	}
	if len(samples) == 0 {
		return 0, false
	}
	return st.of(samples), true
}

// countOf returns what a bucket counts of the count metric name.
func countOf(b *bucket, name string) int {
	switch name {
	case metricRequestCount:
		return b.requests
	case metricConnectionError:
		return b.connErrors
	}
	if class, ok := strings.CutPrefix(name, "HTTPCode_Target_"); ok && len(class) > 0 {
		n := 0
		for status, c := range b.target {
			if status/100 == int(class[0]-'0') {
				n += c
			}
		}
		return n
	}
	codes, _ := elbCodes(name)
	n := 0
	for status, c := range b.elb {
		if status >= codes[0] && status <= codes[1] {
			n += c
		}
	}
	return n
}

// period returns the buckets of src in the seconds [from, to). m.mu is
// held.
func (m *metrics) period(src albemu.ResourceID, from, to int64) []*bucket {
	var out []*bucket
	bs := m.buckets[src]
	for sec := from; sec < to; sec++ { // a period's seconds, not every kept one
		if b := bs[sec]; b != nil {
			out = append(out, b)
		}
	}
	return out
}

// hostCounts returns the registered target counts of target group tg in
// the seconds [from, to): the count at from, if known, and each count
// sampled after. m.mu is held.
func (m *metrics) hostCounts(tg albemu.ResourceID, from, to int64) []int {
	var out []int
	for _, s := range m.hosts[tg] {
		switch {
		case s.from <= from:
			out = append(out[:0], s.count) // the count at from is the last one before
		case s.from < to:
			out = append(out, s.count)
		}
	}
	return out
}

// timeOf returns the time emulated second sec begins at.
func (m *metrics) timeOf(sec int64) time.Time {
	return m.origin.Add(time.Duration(sec) * m.second)
}
