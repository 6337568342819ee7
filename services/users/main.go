// Command users serves the users resource of the forum API as a microservice.
package main

import (
	"github.com/ecsplit/ecsplit/services/forum"
	"github.com/ecsplit/ecsplit/services/internal/server"
)

func main() {
	const name = "users"
	server.Main(name, forum.NewHandler(name, forum.Users()))
}
