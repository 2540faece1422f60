//go:build tools

package courier

// gobind needs golang.org/x/mobile/bind in this module's go.mod; this
// import keeps it there through go mod tidy without linking it anywhere.
import _ "golang.org/x/mobile/bind"
