// Package forum is the forum API: its seed data, its JSON handlers and the
// routing of its three resources (users, threads and posts).
//
// One [Handler] serves any set of resources, so the monolith and each
// microservice run the same code and answer the same request with the same
// bytes:
//
//	forum.NewHandler("monolith", forum.Users(), forum.Threads(), forum.Posts())
//	forum.NewHandler("users", forum.Users())
//
// Routes (GET and HEAD only; any other method gets 405 with an Allow header):
//
//	/api/users                      all users
//	/api/users/{id}                 one user
//	/api/threads                    all threads
//	/api/threads/{id}               one thread
//	/api/posts                      all posts
//	/api/posts/in-thread/{threadId} the posts of one thread, [] when none
//	/api/posts/by-user/{userId}     the posts of one user, [] when none
//	/healthz                        {"status":"ok"}, for the load balancer
//
// Paths are matched on the raw (escaped) path, case-sensitively, as the load
// balancer does; the query string is ignored. An id is a decimal integer from
// 1 to 9223372036854775807 without sign or leading zeros; anything else is
// malformed (400). Any path that is not a route, including one with a
// trailing slash or an empty segment, gets 404 with body [NotFoundBody].
package forum

// User is a forum member.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Bio      string `json:"bio"`
}

// Thread is a discussion started by a user.
type Thread struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	CreatedBy int64  `json:"createdBy"` // a User ID
}

// Post is a message in a thread.
type Post struct {
	Thread int64  `json:"thread"` // a Thread ID
	Text   string `json:"text"`
	User   int64  `json:"user"` // a User ID
}
