package stack_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// jsonShape lists the JSON paths of t's encoded fields with their kinds
// ("claims[].history[].to string"), following pointers, slices and
// embedded structs; time.Time is a leaf.
func jsonShape(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeOf(time.Time{}):
		*out = append(*out, prefix+" time")
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		jsonShape(t.Elem(), prefix+"[]", out)
	case t.Kind() == reflect.Map:
		jsonShape(t.Elem(), prefix+"{}", out)
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported() || name == "-":
			case f.Anonymous && name == "":
				jsonShape(f.Type, prefix, out)
			default:
				if name == "" {
					name = f.Name
				}
				jsonShape(f.Type, prefix+"."+name, out)
			}
		}
	default:
		*out = append(*out, prefix+" "+t.Kind().String())
	}
}

// The server keeps its own declaration of a few console bodies whose
// records have methods (a Go alias cannot take methods); the client
// decodes them with syncproto's. Both must encode the same JSON.
func TestTheServersOwnConsoleTypesEncodeAsSyncprotosDo(t *testing.T) {
	pairs := []struct {
		name             string
		server, protocol any
	}{
		{"claim list", server.ClaimList{}, syncproto.ClaimList{}},
		{"claim", server.Claim{}, syncproto.Claim{}},
		{"inspection", server.Inspection{}, syncproto.ServiceInspection{}},
		{"inspection list", server.InspectionList{}, syncproto.ServiceInspectionList{}},
		{"corrective action list", server.ActionList{}, syncproto.ActionList{}},
		{"quality report", server.QualityReport{}, syncproto.QualityReport{}},
		{"new complaint", server.NewComplaint{}, syncproto.NewComplaint{}},
		{"callback patch", server.CallbackPatch{}, syncproto.CallbackPatch{}},
		{"hand-over request", server.HandoverRequest{}, syncproto.HandoverRequest{}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			var s, w []string
			jsonShape(reflect.TypeOf(p.server), "", &s)
			jsonShape(reflect.TypeOf(p.protocol), "", &w)
			slices.Sort(s)
			slices.Sort(w)
			if !slices.Equal(s, w) {
				t.Fatalf("server encodes\n%s\nsyncproto\n%s", strings.Join(s, "\n"), strings.Join(w, "\n"))
			}
			if len(s) < 2 {
				t.Fatalf("shape of %d fields: the walk found nothing", len(s))
			}
		})
	}
}
