package forum_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/ecsplit/ecsplit/services/forum"
)

// A microservice mounts only its own resource; any other path gets the same
// 404 as the load balancer's default action.
func ExampleNewHandler() {
	users := forum.NewHandler("users", forum.Users())
	for _, target := range []string{"/api/users/1", "/api/threads/1"} {
		rec := httptest.NewRecorder()
		users.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		fmt.Println(rec.Code, rec.Header().Get(forum.ServiceHeader), rec.Body)
	}
	// Output:
	// 200 users {"id":1,"username":"alindqvist","name":"Ada Lindqvist","bio":"Backend developer. Into sailing and board games."}
	// 404 users {"error":"not_found","message":"no route matches this path"}
}
