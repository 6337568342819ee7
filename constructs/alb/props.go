package alb

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
)

// fillListenerAndLogs fills the defaults of the listeners' and the access
// logs' props into p, and reports each bad value through fail, naming the
// prop, the value and what is allowed. A value that holds an unresolved
// token is taken as it is: it is known only at deploy time.
func fillListenerAndLogs(fail func(prop, format string, args ...any), p *Props) {
	https := p.CertificateArn != ""
	for _, port := range []struct {
		prop string
		v    int
	}{{"HTTPPort", p.HTTPPort}, {"HTTPSPort", p.HTTPSPort}} {
		if port.v < 0 || port.v > 65535 {
			fail(port.prop, "must be a port from 1 to 65535, got %d", port.v)
		}
	}
	if !https && p.HTTPSPort != 0 {
		fail("HTTPSPort", "must be left unset (0) without CertificateArn (there is no HTTPS listener), got %d", p.HTTPSPort)
	}
	if !https && p.SSLPolicy != "" {
		fail("SSLPolicy", "must be left unset without CertificateArn (there is no HTTPS listener), got %q", p.SSLPolicy)
	}
	p.HTTPPort = cmp.Or(p.HTTPPort, DefaultHTTPPort)
	p.HTTPSPort = cmp.Or(p.HTTPSPort, DefaultHTTPSPort)
	if https && p.HTTPSPort == p.HTTPPort {
		fail("HTTPSPort", "must differ from HTTPPort (%d): one listener per port, got %d", p.HTTPPort, p.HTTPSPort)
	}
	p.SSLPolicy = cmp.Or(p.SSLPolicy, DefaultSSLPolicy)
	if !slices.Contains(SSLPolicies, p.SSLPolicy) {
		fail("SSLPolicy", "must be one of elbv2.SslPolicy's policies (the ALB's predefined ones, such as elbv2.SslPolicy_%s), got %q", DefaultSSLPolicy, p.SSLPolicy)
	}

	if p.IdleTimeout == nil {
		p.IdleTimeout = awscdk.Duration_Seconds(jsii.Number(DefaultIdleTimeoutSeconds))
	} else if !*p.IdleTimeout.IsUnresolved() {
		s := *p.IdleTimeout.ToSeconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)})
		if s != math.Trunc(s) || s < MinIdleTimeoutSeconds || s > MaxIdleTimeoutSeconds {
			fail("IdleTimeout", "must be whole seconds from %d to %d, got %g seconds", MinIdleTimeoutSeconds, MaxIdleTimeoutSeconds, s)
		}
	}

	p.NotFoundContentType = cmp.Or(p.NotFoundContentType, DefaultNotFoundContentType)
	if t := p.NotFoundContentType; !invalid.Unresolved(t) && !slices.Contains(FixedResponseContentTypes, t) {
		fail("NotFoundContentType", "must be a content type an ALB fixed response accepts (%s), got %q", strings.Join(FixedResponseContentTypes, ", "), t)
	}

	p.AccessLogsPrefix = cmp.Or(p.AccessLogsPrefix, DefaultAccessLogsPrefix)
	if x := p.AccessLogsPrefix; !invalid.Unresolved(x) && (strings.HasPrefix(x, "/") || strings.HasSuffix(x, "/") || strings.Contains(x, "AWSLogs")) {
		fail("AccessLogsPrefix", `must not begin or end with "/" nor hold "AWSLogs" (the ALB adds /AWSLogs/ACCOUNT/ itself), got %q`, x)
	}
	if p.AccessLogsBucket != nil {
		if p.AccessLogsExpirationDays != 0 {
			fail("AccessLogsExpirationDays", "must be left unset (0) when AccessLogsBucket is given (its lifecycle is its owner's), got %d", p.AccessLogsExpirationDays)
		}
		if p.ServerAccessLogsPrefix != "" {
			fail("ServerAccessLogsPrefix", "must be left unset when AccessLogsBucket is given (its S3 server access logs are its owner's), got %q", p.ServerAccessLogsPrefix)
		}
	}
	if p.AccessLogsExpirationDays < 0 {
		fail("AccessLogsExpirationDays", "must be 1 or more days, got %d", p.AccessLogsExpirationDays)
	}
	p.AccessLogsExpirationDays = cmp.Or(p.AccessLogsExpirationDays, DefaultAccessLogsExpirationDays)
	p.ServerAccessLogsPrefix = cmp.Or(p.ServerAccessLogsPrefix, DefaultServerAccessLogsPrefix)
}
