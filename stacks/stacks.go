package stacks

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
	"github.com/ecsplit/ecsplit/constructs/migration"
)

// PlatformProps configures a Platform.
type PlatformProps struct {
	awscdk.StackProps
	// Capacity is the cluster's capacity. Default: DefaultCapacity.
	Capacity Capacity
	// CertificateArn turns on HTTPS on the shared ALB. Default: "" (HTTP).
	CertificateArn string
	// DeletionProtection keeps the shared ALB from being deleted; set it to
	// jsii.Bool(false) for a disposable environment (and before `cdk
	// destroy`). Default: nil, alb.DefaultDeletionProtection (on), as the
	// alb construct and the app's Config (-c deletionProtection) default.
	DeletionProtection *bool
	// ServerAccessLogsBucket names the bucket of the access logs bucket's
	// S3 server access logs. Default: "" (a new bucket).
	ServerAccessLogsBucket string
	// Tasks is the most tasks that ever run on the cluster's EC2 capacity
	// at once (in the app: the forum's migration at its peak,
	// migration.PeakTasks): the capacity is sized for it, so that the
	// platform is the same in every stage. Default: 0 (the cluster's
	// default EC2.MaxCapacity).
	Tasks int
}

// Platform is the stack that never changes between stages: VPC, ECS
// cluster, shared ALB and its listener.
type Platform struct {
	awscdk.Stack
	// Cluster is the VPC and ECS cluster.
	Cluster *cluster.Cluster
	// LoadBalancer is the shared ALB.
	LoadBalancer *alb.LoadBalancer
}

// NewPlatform creates the platform stack.
func NewPlatform(scope constructs.Construct, id string, props *PlatformProps) *Platform {
	if props == nil {
		props = &PlatformProps{}
	}
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	var ec2 *cluster.EC2Capacity
	if props.Capacity == EC2 {
		ec2 = &cluster.EC2Capacity{Tasks: props.Tasks}
	}
	c := cluster.New(stack, "Cluster", &cluster.Props{EC2: ec2})
	var serverLogs awss3.IBucket
	if props.ServerAccessLogsBucket != "" {
		serverLogs = awss3.Bucket_FromBucketName(stack, jsii.String("ServerAccessLogsBucket"), jsii.String(props.ServerAccessLogsBucket))
	}
	lb := alb.New(stack, "SharedAlb", &alb.Props{
		Vpc:                    c.Vpc,
		CertificateArn:         props.CertificateArn,
		DeletionProtection:     props.DeletionProtection,
		ServerAccessLogsBucket: serverLogs,
	})
	p := &Platform{Stack: stack, Cluster: c, LoadBalancer: lb}
	p.exportContract()
	return p
}

// exportContract exports every value of the platform that a services stack
// may import, in every configuration, whether or not the current services
// import it: the VPC, its private subnets, the cluster, the load balancer's
// security group, full name and HTTP listener, and, when they exist, the
// HTTPS listener and the EC2 capacity provider. CloudFormation refuses to
// delete or change an export that a deployed stack imports, and the
// platform deploys first: so when HTTPS is turned on, the HTTP listener's
// export, which the deployed services still import, must stay. The export
// names are the ones the CDK gives the automatic cross-stack references.
// Turning HTTPS or EC2 capacity off removes their exports, which needs the
// services deployed first (README: Changing a deployed app).
func (p *Platform) exportContract() {
	c, lb := p.Cluster, p.LoadBalancer
	values := []*string{c.Vpc.VpcId(), c.Cluster.ClusterName(), lb.SecurityGroup.SecurityGroupId(),
		lb.LoadBalancer.LoadBalancerFullName(), lb.HTTPListener.ListenerArn()}
	for _, s := range *c.Vpc.PrivateSubnets() {
		values = append(values, s.SubnetId())
	}
	if lb.HTTPSListener != nil {
		values = append(values, lb.HTTPSListener.ListenerArn())
	}
	if c.CapacityProvider != nil {
		values = append(values, c.CapacityProvider.CapacityProviderName())
	}
	for _, v := range values {
		p.Stack.ExportValue(v, nil)
	}
}

// ServicesProps configures a Services stack.
type ServicesProps struct {
	awscdk.StackProps
	// Platform is the platform the services run on. Required.
	Platform *Platform
	// Stage is the migration state. Default: the monolith.
	Stage migration.State
	// ServicesDir is the Docker build context of the images.
	// Default: DefaultServicesDir.
	ServicesDir string
	// Stickiness keeps a client on one side of a weighted rule for this
	// long. Default: 0, no stickiness.
	Stickiness time.Duration
	// Ramp moves the services' shares step by step in one deploy.
	// Default: none.
	Ramp migration.Ramp
	// AlarmEmail is subscribed to the alarm topic. Default: "" (none).
	AlarmEmail string
	// AlarmTopicArn is an existing topic for the alarms. Default: "" (a
	// new topic).
	AlarmTopicArn string
}

// Services is the stack of the stage's ECS services.
type Services struct {
	awscdk.Stack
	// Migration is the forum's migration in its current state.
	Migration *migration.Migration
}

// NewServices creates the services stack: the forum's migration (forum.go)
// in the given state, on the platform's cluster and listener. The
// migration's id is "Default", which CDK leaves out of logical ids: every
// resource keeps the logical id it had when the app made the services
// itself.
func NewServices(scope constructs.Construct, id string, props *ServicesProps) *Services {
	monolith, services := forumPlan(cmp.Or(props.ServicesDir, DefaultServicesDir))
	return newServices(scope, id, props, monolith, services)
}

// newServices creates the services stack of NewServices for the forum's
// plan, made once by the caller.
func newServices(scope constructs.Construct, id string, props *ServicesProps, monolith microservice.Props, services []microservice.Props) *Services {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	alarms := migration.Alarms{Email: props.AlarmEmail}
	if props.AlarmTopicArn != "" {
		alarms.Topic = awssns.Topic_FromTopicArn(stack, jsii.String("AlarmTopic"), jsii.String(props.AlarmTopicArn))
	}
	m := migration.New(stack, "Default", &migration.Props{
		Platform: microservice.PlatformOf(props.Platform.Cluster, props.Platform.LoadBalancer),
		Monolith: monolith,
		Services: services,
		State:    props.Stage,
		// The monolith's paths that no service owns ("/api", "/api/",
		// "/api/other") get the listener's 404, the exact bytes the
		// monolith answers for them: the forum's corpus answers alike in
		// every stage (TestLocalStagesEquivalent).
		RetireUnownedPaths: true,
		Stickiness:         props.Stickiness,
		Alarms:             alarms,
		Ramp:               props.Ramp,
	})
	return &Services{Stack: stack, Migration: m}
}

// App is the ecsplit app's two stacks.
type App struct {
	// Platform is the stack of the VPC, cluster and load balancer.
	Platform *Platform
	// Services is the stack of the services and their migration.
	Services *Services
}

// New adds the ecsplit stacks for cfg to app.
func New(app awscdk.App, cfg Config) *App {
	monolith, services := forumPlan(cmp.Or(cfg.ServicesDir, DefaultServicesDir))
	platform := NewPlatform(app, PlatformStackName, &PlatformProps{
		StackProps:             awscdk.StackProps{Description: jsii.String("ecsplit platform: VPC, ECS cluster, shared ALB (identical in every stage)")},
		Capacity:               cfg.Capacity,
		CertificateArn:         cfg.CertificateArn,
		DeletionProtection:     jsii.Bool(cfg.DeletionProtection),
		ServerAccessLogsBucket: cfg.ServerAccessLogsBucket,
		Tasks:                  migration.PeakTasks(monolith, services),
	})
	svc := newServices(app, ServicesStackName, &ServicesProps{
		StackProps:    awscdk.StackProps{Description: jsii.String("ecsplit services: the ECS services of the current stage")},
		Platform:      platform,
		Stage:         cfg.Stage,
		ServicesDir:   cfg.ServicesDir,
		Stickiness:    cfg.Stickiness,
		Ramp:          cfg.Ramp,
		AlarmEmail:    cfg.AlarmEmail,
		AlarmTopicArn: cfg.AlarmTopicArn,
	}, monolith, services)
	return &App{Platform: platform, Services: svc}
}

// Build is the app, wired in one place for main.go and the tests: it
// configures app (Configure) and adds the stacks.
func Build(app awscdk.App) (*App, Config, error) {
	cfg, err := Configure(app)
	if err != nil {
		return nil, cfg, err
	}
	return New(app, cfg), cfg, nil
}

// Configure reads the configuration from app's context (reporting every bad
// key at once) and turns the cdk-nag checks on unless the context turns
// them off.
func Configure(app awscdk.App) (Config, error) {
	cfg, err := ConfigFromContext(app)
	if err == nil && cfg.Nag {
		AddNagChecks(app)
	}
	return cfg, err
}
