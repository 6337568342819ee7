package microservice_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/ecsplit/ecsplit/constructs/alb"
	"github.com/ecsplit/ecsplit/constructs/cluster"
	"github.com/ecsplit/ecsplit/constructs/microservice"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// A team's own app: two services with their own names and paths on one
// shared load balancer, with images from the team's ECR repositories.
// The archive is carved out of the orders service: its paths lie inside
// the orders' (Inside says so, and is checked), and priorities come from
// the paths, so /orders/archive/* is evaluated before /orders/*.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Shop"), nil)

	c := cluster.New(stack, "Cluster", nil)
	lb := alb.New(stack, "Alb", &alb.Props{Vpc: c.Vpc})

	platform := microservice.PlatformOf(c, lb)
	orders := microservice.New(stack, "Orders", &microservice.Props{
		Platform: platform,
		Name:     "orders",
		Paths:    []string{"/orders", "/orders/*"},
		Image:    microservice.ImageFromECR(stack, "OrdersRepo", "shop/orders", "v1.4.2"),
	})
	archive := microservice.New(stack, "Archive", &microservice.Props{
		Platform:  platform,
		Inside:    "orders", // carved out of the orders service: its paths overlap
		Name:      "order-archive",
		Paths:     []string{"/orders/archive/*"},
		Image:     microservice.ImageFromECR(stack, "ArchiveRepo", "shop/order-archive", "v0.9.0"),
		CPU:       512,
		MemoryMiB: 1024,
	})

	fmt.Println(orders.Name, orders.Priority)
	fmt.Println(archive.Name, archive.Priority)
	fmt.Println("archive first:", archive.Priority < orders.Priority)
	// Output:
	// orders 46903
	// order-archive 43681
	// archive first: true
}
