// Command threads serves the threads resource of the forum API as a microservice.
package main

import (
	"github.com/ecsplit/ecsplit/services/forum"
	"github.com/ecsplit/ecsplit/services/internal/server"
)

func main() {
	const name = "threads"
	server.Main(name, forum.NewHandler(name, forum.Threads()))
}
