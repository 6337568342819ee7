// Package alb provides the shared Application Load Balancer that every
// ecsplit service attaches to: internet-facing, invalid header fields
// dropped, a listener whose default action is a fixed JSON 404, and optional
// HTTPS with port 80 redirecting to 443.
package alb

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a LoadBalancer.
type Props struct {
	// Vpc is the VPC whose public subnets hold the load balancer. Required.
	Vpc awsec2.IVpc
	// CertificateArn is the ARN of an ACM certificate. When set, the load
	// balancer gets an HTTPS listener on DefaultHTTPSPort with
	// DefaultSSLPolicy, the HTTP listener redirects to it, and services attach
	// to it. Default: "" (HTTP only).
	CertificateArn string
	// NotFoundBody is the JSON body of the default 404 response, at most
	// MaxFixedResponseBody characters. Default: DefaultNotFoundBody.
	NotFoundBody string
	// Internal makes the load balancer internal instead of internet-facing.
	// Default: false (internet-facing).
	Internal bool
}

// LoadBalancer is an Application Load Balancer shared by many services.
type LoadBalancer struct {
	constructs.Construct
	// LoadBalancer is the Application Load Balancer.
	LoadBalancer elbv2.ApplicationLoadBalancer
	// SecurityGroup is the load balancer's security group.
	SecurityGroup awsec2.SecurityGroup
	// HTTPListener is the listener on DefaultHTTPPort. Without a certificate
	// it is the listener services attach to; with one it redirects to HTTPS.
	HTTPListener elbv2.ApplicationListener
	// HTTPSListener is the listener on DefaultHTTPSPort, nil without a
	// certificate.
	HTTPSListener elbv2.ApplicationListener
	// DNSName is the stack output holding the load balancer's DNS name.
	DNSName awscdk.CfnOutput
}

// New creates a LoadBalancer. It panics, naming the prop and the allowed
// values, when props are invalid.
func New(scope constructs.Construct, id string, props *Props) *LoadBalancer {
	p := validate(id, props)
	l := &LoadBalancer{}
	constructs.NewConstruct_Override(l, scope, &id)

	listenerPorts := "80"
	if p.CertificateArn != "" {
		listenerPorts = "80 and 443"
	}
	l.SecurityGroup = awsec2.NewSecurityGroup(l, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("Shared ALB: open to the internet on " + listenerPorts + " only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	l.LoadBalancer = elbv2.NewApplicationLoadBalancer(l, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		InternetFacing:          jsii.Bool(!p.Internal),
		SecurityGroup:           l.SecurityGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
		IdleTimeout:             awscdk.Duration_Seconds(jsii.Number(DefaultIdleTimeoutSeconds)),
	})

	notFound := elbv2.ListenerAction_FixedResponse(jsii.Number(404), &elbv2.FixedResponseOptions{
		ContentType: jsii.String(NotFoundContentType),
		MessageBody: jsii.String(p.NotFoundBody),
	})
	if p.CertificateArn == "" {
		l.HTTPListener = l.LoadBalancer.AddListener(jsii.String("HTTP"), &elbv2.BaseApplicationListenerProps{
			Port:          jsii.Number(DefaultHTTPPort),
			Protocol:      elbv2.ApplicationProtocol_HTTP,
			DefaultAction: notFound,
		})
	} else {
		l.HTTPSListener = l.LoadBalancer.AddListener(jsii.String("HTTPS"), &elbv2.BaseApplicationListenerProps{
			Port:          jsii.Number(DefaultHTTPSPort),
			Protocol:      elbv2.ApplicationProtocol_HTTPS,
			SslPolicy:     DefaultSSLPolicy,
			Certificates:  &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromArn(jsii.String(p.CertificateArn))},
			DefaultAction: notFound,
		})
		l.HTTPListener = l.LoadBalancer.AddListener(jsii.String("HTTP"), &elbv2.BaseApplicationListenerProps{
			Port:     jsii.Number(DefaultHTTPPort),
			Protocol: elbv2.ApplicationProtocol_HTTP,
			DefaultAction: elbv2.ListenerAction_Redirect(&elbv2.RedirectOptions{
				Protocol:  jsii.String("HTTPS"),
				Port:      jsii.String(fmt.Sprint(DefaultHTTPSPort)),
				Permanent: jsii.Bool(true),
			}),
		})
	}
	l.DNSName = awscdk.NewCfnOutput(l, jsii.String("DNSName"), &awscdk.CfnOutputProps{
		Description: jsii.String("DNS name of the shared load balancer: the one URL clients use in every stage"),
		Value:       l.LoadBalancer.LoadBalancerDnsName(),
	})
	return l
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

func validate(id string, props *Props) Props {
	fail := func(prop string, format string, args ...any) {
		panic(fmt.Sprintf("ecsplit alb %q: %s: %s", id, prop, fmt.Sprintf(format, args...)))
	}
	if props == nil || props.Vpc == nil {
		fail("Vpc", "is required")
	}
	p := *props
	if p.NotFoundBody == "" {
		p.NotFoundBody = DefaultNotFoundBody
	}
	if len(p.NotFoundBody) > MaxFixedResponseBody {
		fail("NotFoundBody", "must be at most %d characters (an ALB fixed-response limit), got %d", MaxFixedResponseBody, len(p.NotFoundBody))
	}
	if p.CertificateArn != "" && !*awscdk.Token_IsUnresolved(jsii.String(p.CertificateArn)) && !certificateArnRE.MatchString(p.CertificateArn) {
		fail("CertificateArn", "must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID), got %q", p.CertificateArn)
	}
	return p
}
