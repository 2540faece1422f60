package syncproto_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the decoded values")

// readGolden returns the bytes of testdata/name.
func readGolden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeStrict decodes b into v and fails on any field v does not have, so a
// golden file cannot drift away from the Go types unnoticed.
func decodeStrict(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode into %T: %v", v, err)
	}
	if dec.More() {
		t.Fatalf("trailing data after the JSON value")
	}
}

// checkGolden encodes v the way the goldens are written (two-space indent,
// trailing newline) and compares it with testdata/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readGolden(t, name)
	if !bytes.Equal(got, want) {
		t.Errorf("re-encoding %s differs from the golden (run go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	for _, x := range []struct {
		b []byte
		v *any
	}{{a, &va}, {b, &vb}} {
		dec := json.NewDecoder(bytes.NewReader(x.b))
		dec.UseNumber()
		if err := dec.Decode(x.v); err != nil {
			t.Fatalf("not JSON: %v: %s", err, x.b)
		}
	}
	return reflect.DeepEqual(va, vb)
}

// payloadTypes names the Go type DecodePayload returns for each kind.
var payloadTypes = map[string]reflect.Type{
	syncproto.KindPickup:          reflect.TypeFor[*syncproto.Pickup](),
	syncproto.KindDamageReport:    reflect.TypeFor[*syncproto.DamageReport](),
	syncproto.KindCODReceipt:      reflect.TypeFor[*syncproto.CODReceipt](),
	syncproto.KindComplaint:       reflect.TypeFor[*syncproto.Complaint](),
	syncproto.KindCallbackOutcome: reflect.TypeFor[*syncproto.CallbackOutcome](),
	syncproto.KindVehicleLog:      reflect.TypeFor[*syncproto.VehicleLog](),
}

func TestGoldenPushRequests(t *testing.T) {
	if len(payloadTypes) != len(syncproto.Kinds) {
		t.Fatalf("the test knows %d kinds, the package %d: add the new kind here and a golden for it", len(payloadTypes), len(syncproto.Kinds))
	}
	for _, kind := range syncproto.Kinds {
		name := "push_" + kind + ".json"
		t.Run("the "+kind+" golden push request is valid and keeps every field through its payload type", func(t *testing.T) {
			var req syncproto.PushRequest
			decodeStrict(t, readGolden(t, name), &req)
			if e := syncproto.ValidatePush(&req); e != nil {
				t.Fatalf("ValidatePush: %v", e)
			}
			if len(req.Ops) == 0 {
				t.Fatal("the golden has no ops")
			}
			for i, op := range req.Ops {
				if op.Kind != kind {
					t.Errorf("ops[%d].kind = %q, want %q", i, op.Kind, kind)
				}
				v, e := syncproto.ValidateOp(&op)
				if e != nil {
					t.Fatalf("ops[%d]: ValidateOp: %v", i, e)
				}
				if got, want := reflect.TypeOf(v), payloadTypes[kind]; got != want {
					t.Fatalf("ops[%d]: decoded to %v, want %v", i, got, want)
				}
				// The typed payload must carry every field of the wire
				// payload: a field the type drops would be lost by the server.
				re, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, re, op.Payload) {
					t.Errorf("ops[%d]: the payload changes when it goes through %T:\n got %s\nwant %s", i, v, re, op.Payload)
				}
				// Strict decoding of the payload proves the golden uses only
				// field names the type knows, spelled as on the wire.
				decodeStrict(t, op.Payload, reflect.New(payloadTypes[kind].Elem()).Interface())
			}
			checkGolden(t, name, &req)
		})
	}
}

func TestGoldenPushResponse(t *testing.T) {
	var resp syncproto.PushResponse
	decodeStrict(t, readGolden(t, "push_response.json"), &resp)
	if len(resp.Results) == 0 {
		t.Fatal("the golden has no results")
	}
	if resp.ServerTime.IsZero() {
		t.Error("server_time did not decode")
	}
	for i, r := range resp.Results {
		if _, ok := syncproto.ParseUUID(r.OpID); !ok {
			t.Errorf("results[%d].op_id is not a UUID", i)
		}
		switch r.Status {
		case syncproto.StatusApplied:
			if r.Error != nil || r.Ref == "" {
				t.Errorf("results[%d]: an applied op has a ref and no error", i)
			}
		case syncproto.StatusRejected:
			if r.Error == nil || !isOpLevelCode(r.Error.Code) {
				t.Errorf("results[%d]: a rejected op carries an op-level error code, got %+v", i, r.Error)
			}
		default:
			t.Errorf("results[%d].status = %q", i, r.Status)
		}
	}
	checkGolden(t, "push_response.json", &resp)
}

func TestGoldenPullResponse(t *testing.T) {
	var resp syncproto.PullResponse
	decodeStrict(t, readGolden(t, "pull_response.json"), &resp)
	seen := map[string]bool{}
	for i, c := range resp.Changes {
		seen[c.Type] = true
		switch c.Type {
		case syncproto.ChangeCallbackTask:
			var task syncproto.CallbackTask
			decodeStrict(t, c.Data, &task)
			if task.TaskID == "" || !syncproto.ValidWaybill(task.Waybill) || task.DueBy.IsZero() || task.Version <= 0 {
				t.Errorf("changes[%d]: incomplete callback task %+v", i, task)
			}
			switch task.Status {
			case "open", "done", "cancelled":
			default:
				t.Errorf("changes[%d]: task status %q", i, task.Status)
			}
		case syncproto.ChangeConfig:
			var cfg syncproto.Config
			decodeStrict(t, c.Data, &cfg)
			if cfg.PhotoMaxPixels <= 0 || cfg.JPEGQuality < 1 || cfg.JPEGQuality > 100 || cfg.UploadChunkBytes <= 0 {
				t.Errorf("changes[%d]: implausible config %+v", i, cfg)
			}
		default:
			t.Errorf("changes[%d]: unknown change type %q", i, c.Type)
		}
	}
	if !seen[syncproto.ChangeCallbackTask] || !seen[syncproto.ChangeConfig] {
		t.Errorf("the golden should show both change types, has %v", seen)
	}
	checkGolden(t, "pull_response.json", &resp)
}

func TestGoldenErrorBody(t *testing.T) {
	var body syncproto.ErrorBody
	decodeStrict(t, readGolden(t, "error_body.json"), &body)
	if body.Error.Code != syncproto.CodePayloadTooLarge || body.Error.Message == "" {
		t.Errorf("error body = %+v", body)
	}
	if got := syncproto.StatusOf(body.Error.Code); got != 413 {
		t.Errorf("StatusOf(%s) = %d, want 413", body.Error.Code, got)
	}
	checkGolden(t, "error_body.json", &body)
}

// isOpLevelCode reports whether c may appear in a rejected push result.
func isOpLevelCode(c syncproto.Code) bool {
	switch c {
	case syncproto.CodeValidationFailed, syncproto.CodeUnknownKind, syncproto.CodeOpIDConflict,
		syncproto.CodeDuplicateWaybill, syncproto.CodeDuplicateReceipt, syncproto.CodeInspectionRequired,
		syncproto.CodeOdometerRegression, syncproto.CodeNotAssigned:
		return true
	}
	return false
}
