// Package alb provides the shared Application Load Balancer that every
// ecsplit service attaches to: internet-facing, invalid header fields
// dropped, deletion protection on, access logs to an encrypted bucket that
// enforces TLS and blocks public access, a listener whose default action is
// a fixed 404 (JSON by default), and optional HTTPS with the HTTP port
// redirecting to it (80 and 443 by default).
//
// What it deploys passes the cdk-nag AwsSolutions checks; the one accepted
// finding (an internet-facing load balancer open to the internet on its
// listener ports) is suppressed here, on its security group, with the
// reason (see docs/security.md).
package alb

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/internal/invalid"
	"github.com/ecsplit/ecsplit/constructs/internal/suppress"
)

// Props configures a LoadBalancer.
type Props struct {
	// Vpc is the VPC whose public subnets hold the load balancer. Required.
	Vpc awsec2.IVpc
	// CertificateArn is the ARN of an ACM certificate. When set, the load
	// balancer gets an HTTPS listener on HTTPSPort with SSLPolicy, the HTTP
	// listener redirects to it, and services attach to it. Default: ""
	// (HTTP only).
	CertificateArn string
	// HTTPPort is the port of the HTTP listener (the one services attach
	// to, or with CertificateArn the one that redirects to HTTPS), from 1
	// to 65535. Default: DefaultHTTPPort (80).
	HTTPPort int
	// HTTPSPort is the port of the HTTPS listener, from 1 to 65535 and not
	// HTTPPort; only with CertificateArn. Default: DefaultHTTPSPort (443).
	HTTPSPort int
	// SSLPolicy is the security policy of the HTTPS listener, one of
	// SSLPolicies (elbv2.SslPolicy's, the ALB's predefined policies); only
	// with CertificateArn. Default: DefaultSSLPolicy (TLS 1.3 and 1.2).
	SSLPolicy elbv2.SslPolicy
	// IdleTimeout is how long the load balancer keeps an idle connection
	// open, in whole seconds from MinIdleTimeoutSeconds to
	// MaxIdleTimeoutSeconds; keep it below the targets' keep-alive timeout,
	// so that the load balancer closes an idle connection first. Default:
	// DefaultIdleTimeoutSeconds (60 s, the AWS default).
	IdleTimeout awscdk.Duration
	// NotFoundBody is the body of the default 404 response, at most
	// MaxFixedResponseBody characters. Default: DefaultNotFoundBody.
	NotFoundBody string
	// NotFoundContentType is the content type of the default 404 response,
	// one of FixedResponseContentTypes (what an ALB fixed response
	// accepts). Default: DefaultNotFoundContentType (application/json).
	NotFoundContentType string
	// Internal makes the load balancer internal instead of internet-facing:
	// its listener ports are then open to the VPC's CIDR block only.
	// Default: false (internet-facing, open to the internet on the listener
	// ports).
	Internal bool
	// DeletionProtection keeps the load balancer from being deleted, by a
	// stack deletion or by hand, until it is turned off. Set it to
	// jsii.Bool(false) for a disposable environment.
	// Default: DefaultDeletionProtection (on).
	DeletionProtection *bool
	// AccessLogsBucket receives the load balancer's access logs, under
	// AccessLogsPrefix. It must be in the load balancer's Region and
	// use SSE-S3 encryption (the only one ALB access logs support), such as
	// a Control Tower Log Archive bucket. Default: a new bucket that blocks
	// public access, enforces TLS 1.2 or later, encrypts with SSE-S3, keeps
	// versions with Object Lock available (no default retention), sends
	// its S3 server access logs to ServerAccessLogsBucket, sends events to
	// EventBridge and expires logs after AccessLogsExpirationDays.
	AccessLogsBucket awss3.IBucket
	// AccessLogsPrefix is the key prefix of the access logs in
	// AccessLogsBucket: the load balancer writes under
	// PREFIX/AWSLogs/ACCOUNT/. An ALB refuses a prefix that begins or ends
	// with '/' or holds "AWSLogs". Default: DefaultAccessLogsPrefix.
	AccessLogsPrefix string
	// AccessLogsExpirationDays is how many days the new access logs bucket
	// and the new server access logs bucket keep a log object, 1 or more
	// (noncurrent versions: one day more); only without AccessLogsBucket
	// (a bucket you give keeps its own lifecycle). Default:
	// DefaultAccessLogsExpirationDays (365).
	AccessLogsExpirationDays int
	// ServerAccessLogsBucket receives the S3 server access logs of the new
	// access logs bucket, under ServerAccessLogsPrefix (ignored when
	// AccessLogsBucket is given). It must be in the same account and
	// Region, use SSE-S3, have no Object Lock, and let the S3 logging
	// service write (S3's conditions for a log target). Default: a new
	// bucket like the access logs bucket but without Object Lock and
	// without server access logs of its own, as S3 requires and recommends
	// for a log target (logging a bucket into itself loops).
	ServerAccessLogsBucket awss3.IBucket
	// ServerAccessLogsPrefix is the key prefix of the new access logs
	// bucket's S3 server access logs in ServerAccessLogsBucket; only
	// without AccessLogsBucket. Default: DefaultServerAccessLogsPrefix.
	ServerAccessLogsPrefix string
	// TargetPorts are the TCP ports the load balancer may send to, in the
	// VPC: its security group's only egress rules (CloudFormation would
	// otherwise give it egress to anywhere). Every service behind it must
	// listen on one of them. Default: DefaultTargetPorts.
	TargetPorts []int
}

// LoadBalancer is an Application Load Balancer shared by many services.
type LoadBalancer struct {
	constructs.Construct
	// LoadBalancer is the Application Load Balancer.
	LoadBalancer elbv2.ApplicationLoadBalancer
	// SecurityGroup is the load balancer's security group.
	SecurityGroup awsec2.SecurityGroup
	// HTTPListener is the listener on Props.HTTPPort. Without a
	// certificate it is the listener services attach to; with one it
	// redirects to HTTPS.
	HTTPListener elbv2.ApplicationListener
	// HTTPSListener is the listener on Props.HTTPSPort, nil without a
	// certificate.
	HTTPSListener elbv2.ApplicationListener
	// DNSName is the stack output holding the load balancer's DNS name.
	DNSName awscdk.CfnOutput
	// AccessLogsBucket is the bucket of the access logs (Props'
	// AccessLogsBucket, or the new one).
	AccessLogsBucket awss3.IBucket
	// ServerAccessLogsBucket receives the new access logs bucket's S3
	// server access logs (Props' ServerAccessLogsBucket, or the new one);
	// nil when Props.AccessLogsBucket was given.
	ServerAccessLogsBucket awss3.IBucket
	// TargetPorts are the ports the load balancer may send to (its
	// security group's only egress rules), with their default: a service
	// behind it must listen on one (microservice.PlatformOf hands them
	// to the services).
	TargetPorts []int
}

// New creates a LoadBalancer. When props are invalid, it reports each
// problem as an error annotation on the new construct, naming the prop, the
// value and what is allowed (`cdk synth` then prints them and fails), and
// builds nothing else.
func New(scope constructs.Construct, id string, props *Props) *LoadBalancer {
	l := &LoadBalancer{}
	constructs.NewConstruct_Override(l, scope, &id)
	p, ok := validate(invalid.New(l, "alb", id), props)
	if !ok {
		return l
	}

	ports := []int{p.HTTPPort}
	if p.CertificateArn != "" {
		ports = append(ports, p.HTTPSPort)
	}
	var portNames []string
	for _, port := range ports {
		portNames = append(portNames, strconv.Itoa(port))
	}
	listenerPorts := strings.Join(portNames, " and ")
	// The description is immutable (a change replaces the group, whose id
	// other stacks import), so it names no port: turning HTTPS on adds an
	// ingress rule in place.
	l.SecurityGroup = awsec2.NewSecurityGroup(l, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(SecurityGroupDescription),
		AllowAllOutbound: jsii.Bool(false),
	})
	// One ingress rule per listener port, and no other.
	vpc := awsec2.Peer_Ipv4(p.Vpc.VpcCidrBlock())
	peer := awsec2.Peer_AnyIpv4()
	if p.Internal {
		peer = vpc
	}
	for _, port := range ports {
		l.SecurityGroup.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(port)),
			jsii.String(fmt.Sprintf("Clients of the shared ALB on listener port %v", port)), jsii.Bool(false))
	}
	// One egress rule per target port, to the VPC, and no other: written
	// here, in the load balancer's own stack, so that CloudFormation never
	// gives the group its default egress to anywhere, and no service in
	// another stack changes this one.
	for _, port := range p.TargetPorts {
		l.SecurityGroup.AddEgressRule(vpc, awsec2.Port_Tcp(jsii.Number(port)),
			jsii.String(fmt.Sprintf("The shared ALB to its targets on port %v", port)), jsii.Bool(false))
	}
	if !p.Internal {
		suppress.On(l.SecurityGroup, suppress.Rule{
			ID: "AwsSolutions-EC23",
			Reason: "An internet-facing load balancer must accept 0.0.0.0/0 on its listener ports (" + listenerPorts +
				") and on nothing else; it forwards only the services' path patterns and answers a fixed 404 otherwise.",
		})
	}
	l.LoadBalancer = elbv2.NewApplicationLoadBalancer(l, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		InternetFacing:          jsii.Bool(!p.Internal),
		SecurityGroup:           l.SecurityGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
		IdleTimeout:             p.IdleTimeout,
		DeletionProtection:      p.DeletionProtection,
	})
	l.AccessLogsBucket = p.AccessLogsBucket
	if l.AccessLogsBucket == nil {
		l.ServerAccessLogsBucket = p.ServerAccessLogsBucket
		if l.ServerAccessLogsBucket == nil {
			l.ServerAccessLogsBucket = newServerAccessLogsBucket(l, &p)
		}
		l.AccessLogsBucket = newAccessLogsBucket(l, l.ServerAccessLogsBucket, &p)
	}
	enableAccessLogs(l.LoadBalancer, l.AccessLogsBucket, p.AccessLogsPrefix)

	notFound := elbv2.ListenerAction_FixedResponse(jsii.Number(404), &elbv2.FixedResponseOptions{
		ContentType: jsii.String(p.NotFoundContentType),
		MessageBody: jsii.String(p.NotFoundBody),
	})
	// The listeners do not open the security group themselves (Open:
	// false): the ingress rules above are the only ones.
	httpAction := notFound
	if p.CertificateArn != "" {
		l.HTTPSListener = l.LoadBalancer.AddListener(jsii.String("HTTPS"), &elbv2.BaseApplicationListenerProps{
			Port:          jsii.Number(p.HTTPSPort),
			Protocol:      elbv2.ApplicationProtocol_HTTPS,
			SslPolicy:     p.SSLPolicy,
			Open:          jsii.Bool(false),
			Certificates:  &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromArn(jsii.String(p.CertificateArn))},
			DefaultAction: notFound,
		})
		httpAction = elbv2.ListenerAction_Redirect(&elbv2.RedirectOptions{
			Protocol:  jsii.String("HTTPS"),
			Port:      jsii.String(fmt.Sprint(p.HTTPSPort)),
			Permanent: jsii.Bool(true),
		})
	}
	l.HTTPListener = l.LoadBalancer.AddListener(jsii.String("HTTP"), &elbv2.BaseApplicationListenerProps{
		Port:          jsii.Number(p.HTTPPort),
		Protocol:      elbv2.ApplicationProtocol_HTTP,
		Open:          jsii.Bool(false),
		DefaultAction: httpAction,
	})
	l.TargetPorts = slices.Clone(p.TargetPorts)
	l.DNSName = awscdk.NewCfnOutput(l, jsii.String("DNSName"), &awscdk.CfnOutputProps{
		Description: jsii.String("DNS name of the shared load balancer: the one URL clients use in every stage"),
		Value:       l.LoadBalancer.LoadBalancerDnsName(),
	})
	return l
}

// enableAccessLogs sends the load balancer's access logs to bucket, under
// prefix. CDK's
// LogAccessLogs needs the stack's Region at synth time to name the Region's
// Elastic Load Balancing account, and ecsplit's stacks are Region-agnostic.
// So the bucket policy admits both writers AWS documents: the log delivery
// service principal (Regions from August 2022 on) and, through a mapping
// resolved at deploy time, the Region's Elastic Load Balancing account
// (older Regions).
func enableAccessLogs(lb elbv2.ApplicationLoadBalancer, bucket awss3.IBucket, prefix string) {
	lb.SetAttribute(jsii.String("access_logs.s3.enabled"), jsii.String("true"))
	lb.SetAttribute(jsii.String("access_logs.s3.bucket"), bucket.BucketName())
	lb.SetAttribute(jsii.String("access_logs.s3.prefix"), jsii.String(prefix))
	// Both may write under the prefix, and only there.
	logs := bucket.ArnForObjects(jsii.String(prefix + "/AWSLogs/" + *awscdk.Stack_Of(lb).Account() + "/*"))
	writers := []struct {
		sid       string
		principal awsiam.IPrincipal
	}{
		{"ElbAccessLogs", awsiam.NewServicePrincipal(jsii.String("logdelivery.elasticloadbalancing.amazonaws.com"), nil)},
		{"ElbAccessLogsLegacyRegions", awsiam.NewArnPrincipal(regionalELBAccount(lb))},
	}
	var result *awsiam.AddToResourcePolicyResult
	for _, w := range writers {
		result = bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(w.sid),
			Principals: &[]awsiam.IPrincipal{w.principal},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*logs),
		}))
	}
	// The load balancer checks that it may write when access logs are
	// turned on: create the policy first.
	if result.PolicyDependable != nil {
		lb.Node().AddDependency(result.PolicyDependable)
	}
}

// regionalELBAccount returns, at deploy time, the root ARN of the Elastic
// Load Balancing account of the stack's Region where the Region has one
// (those launched before August 2022), and the stack's own account root
// elsewhere (which grants nothing the account does not already have).
func regionalELBAccount(scope constructs.Construct) *string {
	accounts := *regioninfo.RegionInfo_RegionMap(regioninfo.FactName_ELBV2_ACCOUNT())
	regions := make([]string, 0, len(accounts))
	mapping := map[string]*map[string]any{}
	for r, a := range accounts {
		if a != nil {
			regions = append(regions, r)
			mapping[r] = &map[string]any{"account": *a}
		}
	}
	slices.Sort(regions)
	m := awscdk.NewCfnMapping(scope, jsii.String("ElbAccountByRegion"), &awscdk.CfnMappingProps{Mapping: &mapping})
	// Fn::Or takes at most 10 conditions: nest them.
	var groups []awscdk.ICfnConditionExpression
	for chunk := range slices.Chunk(regions, 10) {
		var eqs []awscdk.ICfnConditionExpression
		for _, r := range chunk {
			eqs = append(eqs, awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(r)))
		}
		groups = append(groups, orOf(eqs))
	}
	cond := awscdk.NewCfnCondition(scope, jsii.String("RegionHasElbAccount"), &awscdk.CfnConditionProps{Expression: orOf(groups)})
	root := func(account *string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":iam::"), account, jsii.String(":root")})
	}
	return awscdk.Token_AsString(awscdk.Fn_ConditionIf(cond.LogicalId(),
		root(m.FindInMap(awscdk.Aws_REGION(), jsii.String("account"), nil)),
		root(awscdk.Aws_ACCOUNT_ID())), nil)
}

// orOf is Fn::Or of up to 10 conditions, or the condition itself when
// there is one.
func orOf(conds []awscdk.ICfnConditionExpression) awscdk.ICfnConditionExpression {
	if len(conds) == 1 {
		return conds[0]
	}
	return awscdk.Fn_ConditionOr(conds...)
}

// Listener returns the listener that services attach their rules to: the
// HTTPS listener when there is one, the HTTP listener otherwise.
func (l *LoadBalancer) Listener() elbv2.ApplicationListener {
	if l.HTTPSListener != nil {
		return l.HTTPSListener
	}
	return l.HTTPListener
}

var certificateArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`)

// validate returns props with their defaults, reporting every problem
// through v, and whether there was none.
func validate(v invalid.Construct, props *Props) (Props, bool) {
	fail := v.Fail
	if props == nil || props.Vpc == nil {
		fail("Vpc", "is required")
		return Props{}, false
	}
	p := *props
	if p.DeletionProtection == nil {
		p.DeletionProtection = jsii.Bool(DefaultDeletionProtection)
	}
	p.NotFoundBody = cmp.Or(p.NotFoundBody, DefaultNotFoundBody)
	fillListenerAndLogs(fail, &p)
	if p.TargetPorts == nil {
		p.TargetPorts = slices.Clone(DefaultTargetPorts)
	}
	if len(p.TargetPorts) == 0 {
		fail("TargetPorts", "must hold at least one port (the services' container ports), got none")
	}
	for i, port := range p.TargetPorts {
		if port < 1 || port > 65535 || slices.Contains(p.TargetPorts[:i], port) {
			fail("TargetPorts", "must be distinct ports from 1 to 65535, got %d", port)
		}
	}
	if len(p.NotFoundBody) > MaxFixedResponseBody {
		fail("NotFoundBody", "must be at most %d characters (an ALB fixed-response limit), got %d", MaxFixedResponseBody, len(p.NotFoundBody))
	}
	if p.CertificateArn != "" && !invalid.Unresolved(p.CertificateArn) && !certificateArnRE.MatchString(p.CertificateArn) {
		fail("CertificateArn", "must be an ACM certificate ARN (%s), got %q", CertificateArnFormat, p.CertificateArn)
	}
	return p, !v.Failed()
}
