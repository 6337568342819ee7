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
	return itemResource("users", "user", usersJSON, func(u User) int64 { return u.ID })
}

// Threads returns the threads resource: /api/threads and /api/threads/{id}.
func Threads() *Resource {
	return itemResource("threads", "thread", threadsJSON, func(t Thread) int64 { return t.ID })
}

// itemResource returns the resource name, whose seed file is data: a list at
// /api/{name} and each item, by id, at /api/{name}/{id}.
func itemResource[T any](name, kind string, data []byte, id func(T) int64) *Resource {
	items := decode[T](name+".json", data)
	byID := make(map[int64]response, len(items))
	for _, it := range items {
		byID[id(it)] = render(it)
	}
	return &Resource{name: name, routes: []route{
		{path: "/api/" + name, list: render(items)},
		{path: "/api/" + name + "/", kind: kind, byID: byID},
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
