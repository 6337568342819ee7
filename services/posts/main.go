// Command posts serves the posts resource of the forum API as a microservice.
package main

import (
	"github.com/ecsplit/ecsplit/services/forum"
	"github.com/ecsplit/ecsplit/services/internal/server"
)

func main() {
	const name = "posts"
	server.Main(name, forum.NewHandler(name, forum.Posts()))
}
