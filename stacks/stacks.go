package stacks

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
)

// PlatformProps configures a Platform.
type PlatformProps struct {
	awscdk.StackProps
	// Capacity is the cluster's capacity. Default: DefaultCapacity.
	Capacity Capacity
	// CertificateArn turns on HTTPS on the shared ALB. Default: "" (HTTP).
	CertificateArn string
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
		ec2 = &cluster.EC2Capacity{}
	}
	c := cluster.New(stack, "Cluster", &cluster.Props{EC2: ec2})
	lb := alb.New(stack, "SharedAlb", &alb.Props{Vpc: c.Vpc, CertificateArn: props.CertificateArn})
	return &Platform{Stack: stack, Cluster: c, LoadBalancer: lb}
}

// ServicesProps configures a Services stack.
type ServicesProps struct {
	awscdk.StackProps
	// Platform is the platform the services run on. Required.
	Platform *Platform
	// Routes is the path-ownership table: one service per row. Required.
	Routes []Route
	// ServicesDir is the Docker build context of the images.
	// Default: DefaultServicesDir.
	ServicesDir string
	// Stickiness keeps a client on one side of a weighted rule for this
	// long. Default: 0, no stickiness.
	Stickiness time.Duration
}

// Services is the stack of the stage's ECS services.
type Services struct {
	awscdk.Stack
	// Services holds the services by name.
	Services map[string]*microservice.Service
}

// NewServices creates the services stack: one microservice.Service per
// route, all on the platform's listener.
func NewServices(scope constructs.Construct, id string, props *ServicesProps) *Services {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	dir := props.ServicesDir
	if dir == "" {
		dir = DefaultServicesDir
	}
	s := &Services{Stack: stack, Services: map[string]*microservice.Service{}}
	c := props.Platform.Cluster
	for _, r := range props.Routes {
		var share *microservice.Share
		if r.Percent < 100 {
			monolith := s.Services[MonolithRoute.Service]
			if monolith == nil {
				panic(fmt.Sprintf("ecsplit services stack: Routes: %s serves %d %% of its paths, but no %s route comes before it to serve the rest", r.Service, r.Percent, MonolithRoute.Service))
			}
			share = &microservice.Share{Percent: r.Percent, Other: monolith.TargetGroup, Stickiness: props.Stickiness}
		}
		s.Services[r.Service] = microservice.New(stack, r.Service, &microservice.Props{
			Cluster:                    c.Cluster,
			Listener:                   props.Platform.LoadBalancer.Listener(),
			Name:                       r.Service,
			Paths:                      r.Paths,
			Image:                      microservice.ImageFromDirectory(r.Service, dir, filepath.Join(r.Service, "Dockerfile")),
			CapacityProviderStrategies: c.CapacityProviderStrategies(),
			Share:                      share,
		})
	}
	return s
}

// App is the ecsplit app's two stacks.
type App struct {
	Platform *Platform
	Services *Services
}

// New adds the ecsplit stacks for cfg to app.
func New(app awscdk.App, cfg Config) *App {
	platform := NewPlatform(app, PlatformStackName, &PlatformProps{
		StackProps:     awscdk.StackProps{Description: jsii.String("ecsplit platform: VPC, ECS cluster, shared ALB (identical in every stage)")},
		Capacity:       cfg.Capacity,
		CertificateArn: cfg.CertificateArn,
	})
	services := NewServices(app, ServicesStackName, &ServicesProps{
		StackProps:  awscdk.StackProps{Description: jsii.String("ecsplit services: the ECS services of the current stage")},
		Platform:    platform,
		Routes:      cfg.Stage.Routes(),
		ServicesDir: cfg.ServicesDir,
		Stickiness:  cfg.Stickiness,
	})
	return &App{Platform: platform, Services: services}
}
