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
	// NotFoundContentType is the content type of the default 404 response.
	NotFoundContentType = "application/json"
	// DefaultHTTPPort is the port of the plain HTTP listener.
	DefaultHTTPPort = 80
	// DefaultHTTPSPort is the port of the HTTPS listener.
	DefaultHTTPSPort = 443
	// DefaultIdleTimeoutSeconds is the ALB idle timeout (the AWS default).
	// The services' keep-alive idle timeout is longer, so the ALB always
	// closes an idle connection first and never sends on a closed one.
	DefaultIdleTimeoutSeconds = 60
	// MaxFixedResponseBody is the longest fixed-response body the ALB accepts.
	MaxFixedResponseBody = 1024
	// DefaultDeletionProtection keeps the shared load balancer, and with it
	// the one DNS name every client uses, from being deleted by accident
	// (Control Tower CT.ELASTICLOADBALANCING.PR.5; ALB default off).
	DefaultDeletionProtection = true
	// DefaultAccessLogsPrefix is the key prefix of the access logs in the
	// access logs bucket.
	DefaultAccessLogsPrefix = "alb"
	// DefaultServerAccessLogsPrefix is the key prefix of the new access
	// logs bucket's S3 server access logs in ServerAccessLogsBucket.
	DefaultServerAccessLogsPrefix = "s3-server-access/"
	// DefaultTargetPort is the container port of the ecsplit services
	// (microservice.DefaultContainerPort).
	DefaultTargetPort = 8080
	// SecurityGroupDescription describes the load balancer's security
	// group. It names no port: a security group's description cannot
	// change without replacing the group.
	SecurityGroupDescription = "ecsplit shared ALB: clients on its listener ports, its targets in the VPC on their ports"
	// DefaultAccessLogsExpirationDays is how long the new access logs bucket
	// keeps a log object (noncurrent versions: one more day).
	DefaultAccessLogsExpirationDays = 365
)

// DefaultTargetPorts are the ports the load balancer may send to when
// Props.TargetPorts is unset.
var DefaultTargetPorts = []int{DefaultTargetPort}

// DefaultSSLPolicy is the TLS policy of the HTTPS listener: TLS 1.3 and 1.2
// with forward-secret ciphers only (ELBSecurityPolicy-TLS13-1-2-2021-06).
const DefaultSSLPolicy = elbv2.SslPolicy_RECOMMENDED_TLS
