package forum

// Resource is one resource of the API: its routes, with every response they
// can give rendered in advance. Get one from [Users], [Threads] or [Posts].
type Resource struct {
	name   string
	routes []route
}

// Name returns the path segment of the resource under /api, such as "users".
func (r *Resource) Name() string { return r.name }

// route is one path of a resource. A route either matches path exactly and
// serves list, or (kind != "") matches path followed by one id segment and
// serves byID[id]; an id absent from byID gets missing, or 404 when missing
// is nil.
type route struct {
	path    string
	list    response
	kind    string // what the id names, for error messages: "user", "thread"
	byID    map[int64]response
	missing *response
}

// Users returns the users resource: /api/users and /api/users/{id}.
func Users() *Resource {
	users := decode[User]("users.json", usersJSON)
	byID := make(map[int64]response, len(users))
	for _, u := range users {
		byID[u.ID] = render(u)
	}
	return &Resource{name: "users", routes: []route{
		{path: "/api/users", list: render(users)},
		{path: "/api/users/", kind: "user", byID: byID},
	}}
}

// Threads returns the threads resource: /api/threads and /api/threads/{id}.
func Threads() *Resource {
	threads := decode[Thread]("threads.json", threadsJSON)
	byID := make(map[int64]response, len(threads))
	for _, t := range threads {
		byID[t.ID] = render(t)
	}
	return &Resource{name: "threads", routes: []route{
		{path: "/api/threads", list: render(threads)},
		{path: "/api/threads/", kind: "thread", byID: byID},
	}}
}

// Posts returns the posts resource: /api/posts,
// /api/posts/in-thread/{threadId} and /api/posts/by-user/{userId}. It holds
// no users or threads, so an id that matches no post gets [] rather than 404.
func Posts() *Resource {
	posts := decode[Post]("posts.json", postsJSON)
	return &Resource{name: "posts", routes: []route{
		{path: "/api/posts", list: render(posts)},
		{path: "/api/posts/in-thread/", kind: "thread", missing: &emptyList,
			byID: renderGroups(posts, func(p Post) int64 { return p.Thread })},
		{path: "/api/posts/by-user/", kind: "user", missing: &emptyList,
			byID: renderGroups(posts, func(p Post) int64 { return p.User })},
	}}
}

// renderGroups groups posts by key, keeping their order, and renders each group.
func renderGroups(posts []Post, key func(Post) int64) map[int64]response {
	groups := make(map[int64][]Post)
	for _, p := range posts {
		groups[key(p)] = append(groups[key(p)], p)
	}
	out := make(map[int64]response, len(groups))
	for k, g := range groups {
		out[k] = render(g)
	}
	return out
}
