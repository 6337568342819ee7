package migration

// Defaults for Props. Each is documented on the field it fills.
const (
	// DefaultPreviewHeader is the preview header: X-Ecsplit-Preview: users
	// reaches the users service on its paths, whatever its share.
	DefaultPreviewHeader = "X-Ecsplit-Preview"
)
