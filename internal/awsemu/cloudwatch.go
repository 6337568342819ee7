package awsemu

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The CloudWatch call the emulator serves, DescribeAlarms, in the Smithy
// RPC v2 CBOR protocol that the SDK speaks to CloudWatch: a POST to
// cloudWatchPath+OPERATION whose body is a CBOR map of the input, answered
// with a CBOR map of the output; an error is a map of its __type and
// message, and, since CloudWatch is compatible with its older AWS Query
// protocol, an X-Amzn-Query-Error header of its code.

// cloudWatchPath is the path of CloudWatch's operations.
const cloudWatchPath = "/service/GraniteServiceVersion20100801/operation/"

// cloudWatchShapes is the namespace of CloudWatch's error shapes.
const cloudWatchShapes = "com.amazonaws.cloudwatch#"

// Limits of DescribeAlarms.
const (
	maxAlarmNames       = 100
	defaultAlarmRecords = 50
	maxAlarmRecords     = 100
)

// cloudWatchError is an error of a CloudWatch call: its shape (the SDK's
// error type, such as InvalidNextToken), its AWS Query code and its
// HTTP status.
type cloudWatchError struct {
	status      int
	shape, code string
	message     string
}

func (e *cloudWatchError) Error() string { return e.code + ": " + e.message }

// invalidParameter returns the error of a parameter with a bad value.
func invalidParameter(message string) *cloudWatchError {
	return &cloudWatchError{http.StatusBadRequest, "InvalidParameterValueException", "InvalidParameterValue", message}
}

// serveCloudWatch serves a CloudWatch call.
func (s *Server) serveCloudWatch(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.URL.Path, cloudWatchPath)
	in, err := readCBOR(r)
	if err != nil {
		writeCBORError(w, err)
		return
	}
	switch op {
	case "DescribeAlarms":
		out, err := s.describeAlarms(in)
		if err != nil {
			writeCBORError(w, err)
			return
		}
		writeCBOR(w, http.StatusOK, out)
	default:
		writeCBORError(w, &cloudWatchError{http.StatusNotFound, "UnknownOperationException", "UnknownOperationException",
			"operation " + op + " is not emulated (DescribeAlarms is)"})
	}
}

// readCBOR reads the input of a call: a CBOR map, or nothing.
func readCBOR(r *http.Request) (cbor.Map, error) {
	if r.Method != http.MethodPost {
		return nil, &cloudWatchError{http.StatusMethodNotAllowed, "UnknownOperationException", "UnknownOperationException", "use POST"}
	}
	if p := r.Header.Get("Smithy-Protocol"); p != "rpc-v2-cbor" {
		return nil, &cloudWatchError{http.StatusBadRequest, "ValidationException", "ValidationError", "Smithy-Protocol " + p + ": want rpc-v2-cbor"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &cloudWatchError{http.StatusBadRequest, "SerializationException", "SerializationException", err.Error()}
	}
	if len(body) == 0 {
		return cbor.Map{}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, &cloudWatchError{http.StatusBadRequest, "SerializationException", "SerializationException", err.Error()}
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, &cloudWatchError{http.StatusBadRequest, "SerializationException", "SerializationException", "the input is not a map"}
	}
	return m, nil
}

func writeCBOR(w http.ResponseWriter, status int, v cbor.Value) {
	h := w.Header()
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("X-Amzn-Requestid", requestID())
	w.WriteHeader(status)
	w.Write(cbor.Encode(v))
}

// writeCBORError answers with err, a *cloudWatchError or, as an internal
// failure, any other.
func writeCBORError(w http.ResponseWriter, err error) {
	e, ok := err.(*cloudWatchError)
	if !ok {
		e = &cloudWatchError{http.StatusInternalServerError, "InternalServiceFault", "InternalServiceError", err.Error()}
	}
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
	writeCBOR(w, e.status, cbor.Map{"__type": cbor.String(cloudWatchShapes + e.shape), "message": cbor.String(e.message)})
}

// describeAlarms answers DescribeAlarms: the metric alarms named, or
// whose names begin with the prefix, or all, in the state asked for, by
// name, in their states now.
func (s *Server) describeAlarms(in cbor.Map) (cbor.Value, error) {
	names, err := cborStrings(in, "AlarmNames")
	if err != nil {
		return nil, err
	}
	if len(names) > maxAlarmNames {
		return nil, invalidParameter("AlarmNames: at most " + strconv.Itoa(maxAlarmNames) + " names")
	}
	prefix, _ := in["AlarmNamePrefix"].(cbor.String)
	if prefix != "" && len(names) > 0 {
		return nil, &cloudWatchError{http.StatusBadRequest, "InvalidParameterCombinationException", "InvalidParameterCombination",
			"AlarmNamePrefix and AlarmNames cannot be given together"}
	}
	types, err := cborStrings(in, "AlarmTypes")
	if err != nil {
		return nil, err
	}
	state, _ := in["StateValue"].(cbor.String)
	switch state {
	case "", stateOK, stateAlarm, stateInsufficient:
	default:
		return nil, invalidParameter("StateValue " + string(state) + ": want OK, ALARM or INSUFFICIENT_DATA")
	}
	actionPrefix, _ := in["ActionPrefix"].(cbor.String)
	records := int64(defaultAlarmRecords)
	if v, ok := in["MaxRecords"]; ok {
		if records, err = cbor.AsInt64(v); err != nil || records < 1 || records > maxAlarmRecords {
			return nil, invalidParameter("MaxRecords: want 1 to " + strconv.Itoa(maxAlarmRecords))
		}
	}
	from := 0
	if v, ok := in["NextToken"]; ok {
		tok, _ := v.(cbor.String)
		if from, err = strconv.Atoi(string(tok)); err != nil || from < 0 {
			return nil, &cloudWatchError{http.StatusBadRequest, "InvalidNextToken", "InvalidNextToken", "The service returned an error with Error Code InvalidNextToken"}
		}
	}
	_, children := in["ChildrenOfAlarmName"]
	_, parents := in["ParentsOfAlarmName"]
	metricAlarms := len(types) == 0 || slices.Contains(types, "MetricAlarm")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sampleHosts(now)
	sec := s.metrics.at(now)
	var selected []*alarm
	for _, a := range s.alarms {
		switch {
		case !metricAlarms || children || parents: // the emulator has no composite alarm
		case len(names) > 0 && !slices.Contains(names, a.name):
		case !strings.HasPrefix(a.name, string(prefix)):
		case actionPrefix != "" && !a.actions.has(string(actionPrefix)):
		default:
			// Only an alarm asked for is brought up to date: catchUp
			// replays the boundaries it missed, so the answer is the same.
			a.catchUp(s.metrics, sec)
			if state == "" || a.state == string(state) {
				selected = append(selected, a)
			}
		}
	}
	if from > len(selected) {
		return nil, &cloudWatchError{http.StatusBadRequest, "InvalidNextToken", "InvalidNextToken", "The service returned an error with Error Code InvalidNextToken"}
	}
	out := cbor.Map{}
	list := cbor.List{}
	for _, a := range selected[from:min(from+int(records), len(selected))] {
		list = append(list, s.alarmCBOR(a))
	}
	out["MetricAlarms"] = list
	out["CompositeAlarms"] = cbor.List{}
	if next := from + int(records); next < len(selected) {
		out["NextToken"] = cbor.String(strconv.Itoa(next))
	}
	return out, nil
}

// has reports whether an action begins with prefix.
func (a actions) has(prefix string) bool {
	for _, list := range [][]string{a.alarm, a.ok, a.insufficientData} {
		if slices.ContainsFunc(list, func(s string) bool { return strings.HasPrefix(s, prefix) }) {
			return true
		}
	}
	return false
}

// alarmCBOR describes an alarm as a MetricAlarm.
func (s *Server) alarmCBOR(a *alarm) cbor.Map {
	m := cbor.Map{
		"AlarmName":                          cbor.String(a.name),
		"AlarmArn":                           cbor.String(a.arn),
		"StateValue":                         cbor.String(a.state),
		"StateReason":                        cbor.String(a.reason),
		"StateUpdatedTimestamp":              timestamp(s.metrics.timeOf(a.updated)),
		"StateTransitionedTimestamp":         timestamp(s.metrics.timeOf(a.updated)),
		"AlarmConfigurationUpdatedTimestamp": timestamp(s.metrics.origin),
		"ActionsEnabled":                     cbor.Bool(a.actions.enabled),
		"AlarmActions":                       stringsCBOR(a.actions.alarm),
		"OKActions":                          stringsCBOR(a.actions.ok),
		"InsufficientDataActions":            stringsCBOR(a.actions.insufficientData),
	}
	if a.description != "" {
		m["AlarmDescription"] = cbor.String(a.description)
	}
	if a.notEmulated != nil {
		return m
	}
	m["ComparisonOperator"] = cbor.String(a.comparison)
	m["Threshold"] = cbor.Float64(a.threshold)
	m["EvaluationPeriods"] = cbor.Uint(a.evaluationPeriods)
	m["DatapointsToAlarm"] = cbor.Uint(a.datapointsToAlarm)
	m["TreatMissingData"] = cbor.String(a.treatMissing)
	if a.single != nil {
		for k, v := range metricCBOR(a.single) {
			m[k] = v
		}
		m["Period"] = cbor.Uint(a.single.period)
		if a.single.stat.name == "p" {
			m["ExtendedStatistic"] = cbor.String(a.single.statText)
		} else {
			m["Statistic"] = cbor.String(a.single.statText)
		}
		return m
	}
	queries := cbor.List{}
	for _, q := range a.queries {
		qm := cbor.Map{"Id": cbor.String(q.id), "ReturnData": cbor.Bool(q.returnData)}
		if q.label != "" {
			qm["Label"] = cbor.String(q.label)
		}
		if q.stat != nil {
			qm["MetricStat"] = cbor.Map{
				"Metric": metricCBOR(q.stat),
				"Period": cbor.Uint(q.stat.period),
				"Stat":   cbor.String(q.stat.statText),
			}
		} else {
			qm["Expression"] = cbor.String(q.expression)
		}
		queries = append(queries, qm)
	}
	m["Metrics"] = queries
	return m
}

// metricCBOR describes a metric: its namespace, name and dimensions.
func metricCBOR(ms *metricStat) cbor.Map {
	dims := cbor.List{}
	for _, d := range ms.dimensions {
		dims = append(dims, cbor.Map{"Name": cbor.String(d.name), "Value": cbor.String(d.value)})
	}
	return cbor.Map{"Namespace": cbor.String(ms.namespace), "MetricName": cbor.String(ms.name), "Dimensions": dims}
}

// timestamp is a CBOR timestamp: tag 1, seconds since the epoch.
func timestamp(t time.Time) *cbor.Tag {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1e3)}
}

func stringsCBOR(ss []string) cbor.List {
	out := cbor.List{}
	for _, s := range ss {
		out = append(out, cbor.String(s))
	}
	return out
}

// cborStrings reads the list of strings in[key], nil when absent.
func cborStrings(in cbor.Map, key string) ([]string, error) {
	v, ok := in[key]
	if !ok {
		return nil, nil
	}
	list, ok := v.(cbor.List)
	if !ok {
		return nil, invalidParameter(key + " is not a list")
	}
	var out []string
	for _, x := range list {
		s, ok := x.(cbor.String)
		if !ok {
			return nil, invalidParameter(key + " holds something other than a string")
		}
		out = append(out, string(s))
	}
	return out, nil
}
