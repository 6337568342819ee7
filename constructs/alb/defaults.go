package alb

import elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"

// Defaults for Props. Each one is documented on the field it fills.
const (
	// DefaultNotFoundBody is the body of the listener's default action, a
	// JSON 404. Set NotFoundBody to the exact bytes your services return
	// for a path they do not serve, so that a client cannot tell the load
	// balancer's 404 from a service's (the ecsplit example services return
	// these).
	DefaultNotFoundBody = `{"error":"not_found","message":"no route matches this path"}`
	// DefaultNotFoundContentType is the content type of the default 404
	// response (Props.NotFoundContentType), that of DefaultNotFoundBody.
	DefaultNotFoundContentType = "application/json"
	// NotFoundContentType is the former name of DefaultNotFoundContentType,
	// from before Props.NotFoundContentType could change it.
	//
	// Deprecated: use DefaultNotFoundContentType.
	NotFoundContentType = DefaultNotFoundContentType
	// DefaultHTTPPort is the port of the plain HTTP listener
	// (Props.HTTPPort).
	DefaultHTTPPort = 80
	// DefaultHTTPSPort is the port of the HTTPS listener (Props.HTTPSPort).
	DefaultHTTPSPort = 443
	// DefaultIdleTimeoutSeconds is the ALB idle timeout in seconds
	// (Props.IdleTimeout), the AWS default. The ecsplit services'
	// keep-alive idle timeout is longer, so the ALB always closes an idle
	// connection first and never sends on a closed one.
	DefaultIdleTimeoutSeconds = 60
	// MinIdleTimeoutSeconds and MaxIdleTimeoutSeconds bound the idle
	// timeout that an ALB accepts.
	MinIdleTimeoutSeconds, MaxIdleTimeoutSeconds = 1, 4000
	// MaxFixedResponseBody is the longest fixed-response body the ALB accepts.
	MaxFixedResponseBody = 1024
	// DefaultDeletionProtection keeps the shared load balancer, and with it
	// the one DNS name every client uses, from being deleted by accident
	// (Control Tower CT.ELASTICLOADBALANCING.PR.5; ALB default off).
	DefaultDeletionProtection = true
	// DefaultAccessLogsPrefix is the key prefix of the access logs in the
	// access logs bucket (Props.AccessLogsPrefix).
	DefaultAccessLogsPrefix = "alb"
	// DefaultServerAccessLogsPrefix is the key prefix of the new access
	// logs bucket's S3 server access logs in ServerAccessLogsBucket
	// (Props.ServerAccessLogsPrefix).
	DefaultServerAccessLogsPrefix = "s3-server-access/"
	// DefaultTargetPort is the container port of the ecsplit services
	// (microservice.DefaultContainerPort).
	DefaultTargetPort = 8080
	// SecurityGroupDescription describes the load balancer's security
	// group. It names no port: a security group's description cannot
	// change without replacing the group.
	SecurityGroupDescription = "ecsplit shared ALB: clients on its listener ports, its targets in the VPC on their ports"
	// DefaultAccessLogsExpirationDays is how long the new log buckets keep
	// a log object (Props.AccessLogsExpirationDays; noncurrent versions:
	// one more day).
	DefaultAccessLogsExpirationDays = 365
)

// FixedResponseContentTypes are the content types an ALB fixed response
// may have (Props.NotFoundContentType).
var FixedResponseContentTypes = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}

// DefaultTargetPorts are the ports the load balancer may send to when
// Props.TargetPorts is unset.
var DefaultTargetPorts = []int{DefaultTargetPort}

// DefaultSSLPolicy is the TLS policy of the HTTPS listener
// (Props.SSLPolicy): TLS 1.3 and 1.2 with forward-secret ciphers only
// (ELBSecurityPolicy-TLS13-1-2-2021-06).
const DefaultSSLPolicy = elbv2.SslPolicy_RECOMMENDED_TLS

// SSLPolicies are the security policies of the pinned CDK
// (elbv2.SslPolicy), each one of the ALB's predefined policies: what
// Props.SSLPolicy takes.
var SSLPolicies = []elbv2.SslPolicy{
	elbv2.SslPolicy_RECOMMENDED_TLS, elbv2.SslPolicy_TLS13_12_PQ, elbv2.SslPolicy_RECOMMENDED,
	elbv2.SslPolicy_TLS13_RES, elbv2.SslPolicy_TLS13_EXT1, elbv2.SslPolicy_TLS13_EXT2,
	elbv2.SslPolicy_TLS13_10, elbv2.SslPolicy_TLS13_11, elbv2.SslPolicy_TLS13_13,
	elbv2.SslPolicy_TLS13_13_PQ, elbv2.SslPolicy_TLS13_12_RES_PQ, elbv2.SslPolicy_TLS13_12_EXT1_PQ,
	elbv2.SslPolicy_TLS13_12_EXT2_PQ, elbv2.SslPolicy_TLS13_10_PQ, elbv2.SslPolicy_FIPS_TLS13_13,
	elbv2.SslPolicy_FIPS_TLS13_12_RES, elbv2.SslPolicy_FIPS_TLS13_12,
	elbv2.SslPolicy_FIPS_TLS13_12_EXT0, elbv2.SslPolicy_FIPS_TLS13_12_EXT1,
	elbv2.SslPolicy_FIPS_TLS13_12_EXT2, elbv2.SslPolicy_FIPS_TLS13_11, elbv2.SslPolicy_FIPS_TLS13_10,
	elbv2.SslPolicy_FIPS_TLS13_13_PQ, elbv2.SslPolicy_FIPS_TLS13_12_PQ,
	elbv2.SslPolicy_FIPS_TLS13_12_RES_PQ, elbv2.SslPolicy_FIPS_TLS13_12_EXT0_PQ,
	elbv2.SslPolicy_FIPS_TLS13_12_EXT1_PQ, elbv2.SslPolicy_FIPS_TLS13_12_EXT2_PQ,
	elbv2.SslPolicy_FIPS_TLS13_10_PQ, elbv2.SslPolicy_FORWARD_SECRECY_TLS12_RES_GCM,
	elbv2.SslPolicy_FORWARD_SECRECY_TLS12_RES, elbv2.SslPolicy_FORWARD_SECRECY_TLS12,
	elbv2.SslPolicy_FORWARD_SECRECY_TLS11, elbv2.SslPolicy_FORWARD_SECRECY, elbv2.SslPolicy_TLS12,
	elbv2.SslPolicy_TLS12_EXT, elbv2.SslPolicy_TLS11, elbv2.SslPolicy_LEGACY,
}
