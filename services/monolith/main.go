// Command monolith serves the whole forum API: users, threads and posts.
package main

import (
	"github.com/ecsplit/ecsplit/services/forum"
	"github.com/ecsplit/ecsplit/services/internal/server"
)

func main() {
	const name = "monolith"
	server.Main(name, forum.NewHandler(name, forum.Users(), forum.Threads(), forum.Posts()))
}
