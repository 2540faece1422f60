package syncproto_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The seed corpus of every target is in testdata/fuzz/<FuzzName>/; the
// targets below also seed themselves from the golden files so that a new
// golden is fuzzed without extra work.

// goldenOps returns every op of the golden push requests.
func goldenOps(f *testing.F) []syncproto.Op {
	f.Helper()
	var ops []syncproto.Op
	for _, kind := range syncproto.Kinds {
		var req syncproto.PushRequest
		if err := json.Unmarshal(readGolden(f, "push_"+kind+".json"), &req); err != nil {
			f.Fatal(err)
		}
		ops = append(ops, req.Ops...)
	}
	return ops
}

// opCodes are the codes op validation may return.
var opCodes = []syncproto.Code{syncproto.CodeUnknownKind, syncproto.CodeValidationFailed, syncproto.CodeInspectionRequired}

// checkRejected asserts that a rejection carries one of codes and a message
// of text.
func checkRejected(t *testing.T, e *syncproto.Error, codes ...syncproto.Code) {
	t.Helper()
	ok := false
	for _, c := range codes {
		ok = ok || e.Code == c
	}
	if !ok {
		t.Fatalf("code %q is not one of %v", e.Code, codes)
	}
	if e.Message == "" || !utf8.ValidString(e.Message) {
		t.Fatalf("message %q is not text", e.Message)
	}
}

// checkOpRejected asserts that an op-level rejection has an op-level code
// and a message that starts by naming a field.
func checkOpRejected(t *testing.T, e *syncproto.Error) {
	t.Helper()
	checkRejected(t, e, opCodes...)
	if field, _, ok := strings.Cut(e.Message, ": "); !ok || field == "" || strings.ContainsAny(field, " \"\n") {
		t.Fatalf("message %q does not start with a field name", e.Message)
	}
}

// checkReaccepted asserts that an accepted payload v re-encodes to JSON that
// DecodePayload accepts again, into the same value.
func checkReaccepted(t *testing.T, kind string, v any) {
	t.Helper()
	if got, want := reflect.TypeOf(v), payloadTypes[kind]; got != want {
		t.Fatalf("kind %q decoded to %v, want %v", kind, got, want)
	}
	once, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("an accepted %s payload does not encode: %v", kind, err)
	}
	v2, e := syncproto.DecodePayload(kind, once)
	if e != nil {
		t.Fatalf("an accepted %s payload is rejected after re-encoding: %v\n%s", kind, e, once)
	}
	twice, err := json.Marshal(v2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(once, twice) {
		t.Fatalf("re-encoding is not stable:\n once %s\ntwice %s", once, twice)
	}
}

func FuzzDecodePayload(f *testing.F) {
	for _, op := range goldenOps(f) {
		f.Add(op.Kind, []byte(op.Payload))
	}
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		v, e := syncproto.DecodePayload(kind, data)
		if e != nil {
			if v != nil {
				t.Fatalf("a value alongside error %v", e)
			}
			checkOpRejected(t, e)
			if _, known := payloadTypes[kind]; !known && e.Code != syncproto.CodeUnknownKind {
				t.Fatalf("kind %q is unknown but the code is %s", kind, e.Code)
			}
			return
		}
		checkReaccepted(t, kind, v)
	})
}

func FuzzValidateOp(f *testing.F) {
	for _, op := range goldenOps(f) {
		f.Add(op.Kind, op.RecordedAt, []byte(op.Payload))
	}
	f.Fuzz(func(t *testing.T, kind, recordedAt string, payload []byte) {
		op := syncproto.Op{OpID: "0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d", Seq: 1, Kind: kind, RecordedAt: recordedAt, Payload: payload}
		v, e := syncproto.ValidateOp(&op)
		_, known := payloadTypes[kind]
		_, timeOK := syncproto.ParseOpTime(recordedAt)
		if e != nil {
			if v != nil {
				t.Fatalf("a value alongside error %v", e)
			}
			checkOpRejected(t, e)
			switch {
			case !known && e.Code != syncproto.CodeUnknownKind:
				t.Fatalf("kind %q is unknown but the code is %s", kind, e.Code)
			case known && !timeOK && !strings.HasPrefix(e.Message, "recorded_at:"):
				t.Fatalf("bad recorded_at reported as %v", e)
			}
			return
		}
		if !known || !timeOK {
			t.Fatalf("accepted an op of kind %q recorded at %q", kind, recordedAt)
		}
		// ValidateOp adds the time check to DecodePayload and nothing else.
		v2, e2 := syncproto.DecodePayload(kind, payload)
		if e2 != nil || !reflect.DeepEqual(v, v2) {
			t.Fatalf("ValidateOp and DecodePayload disagree: %v / %v", v, e2)
		}
		checkReaccepted(t, kind, v)
	})
}

func FuzzPushRequestDecode(f *testing.F) {
	for _, kind := range syncproto.Kinds {
		f.Add(readGolden(f, "push_"+kind+".json"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req syncproto.PushRequest
		if json.Unmarshal(data, &req) != nil {
			return
		}
		if e := syncproto.ValidatePush(&req); e != nil {
			checkRejected(t, e, syncproto.CodeInvalidRequest, syncproto.CodePayloadTooLarge)
			return
		}
		if req.DeviceID == "" || len(req.Ops) > syncproto.MaxOpsPerPush {
			t.Fatalf("accepted device %q with %d ops", req.DeviceID, len(req.Ops))
		}
		for i, op := range req.Ops {
			if _, ok := syncproto.ParseUUID(op.OpID); !ok || op.Seq <= 0 || i > 0 && op.Seq <= req.Ops[i-1].Seq {
				t.Fatalf("accepted ops[%d] with op_id %q seq %d", i, op.OpID, op.Seq)
			}
		}
		// The envelope survives a round trip through its own encoding.
		again, err := json.Marshal(&req)
		if err != nil {
			t.Fatalf("an accepted request does not encode: %v", err)
		}
		var req2 syncproto.PushRequest
		if err := json.Unmarshal(again, &req2); err != nil {
			t.Fatalf("an accepted request re-encodes to bad JSON: %v", err)
		}
		if e := syncproto.ValidatePush(&req2); e != nil {
			t.Fatalf("an accepted request is rejected after re-encoding: %v", e)
		}
		// One bad op never fails its neighbours: each is judged alone.
		for i := range req.Ops {
			v, e := syncproto.ValidateOp(&req.Ops[i])
			if e != nil {
				checkOpRejected(t, e)
				continue
			}
			checkReaccepted(t, req.Ops[i].Kind, v)
			if _, e := syncproto.ValidateOp(&req2.Ops[i]); e != nil {
				t.Fatalf("ops[%d] is rejected after the request is re-encoded: %v", i, e)
			}
		}
	})
}

func FuzzParseUUID(f *testing.F) {
	for _, op := range goldenOps(f) {
		f.Add(op.OpID)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := syncproto.ParseUUID(s)
		if !ok {
			if u != [16]byte{} {
				t.Fatalf("a rejected UUID returned bytes %x", u)
			}
			return
		}
		h := hex.EncodeToString(u[:])
		canon := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		if canon != strings.ToLower(s) {
			t.Fatalf("ParseUUID(%q) = %s", s, canon)
		}
	})
}

func FuzzParseOpTime(f *testing.F) {
	for _, op := range goldenOps(f) {
		f.Add(op.RecordedAt)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok := syncproto.ParseOpTime(s)
		if !ok {
			return
		}
		if len(s) > 64 {
			t.Fatalf("accepted a %d-byte time", len(s))
		}
		if last := s[len(s)-1]; last != 'Z' && (len(s) < 6 || s[len(s)-6] != '+' && s[len(s)-6] != '-') {
			t.Fatalf("accepted %q without an offset", s)
		}
		// Whatever is accepted must be storable and sendable again as an
		// RFC 3339 time by the standard library (the server keeps
		// recorded_at and shows it in the audit log and the COD ledger).
		b, err := tm.MarshalJSON()
		if err != nil {
			t.Fatalf("accepted %q, which time.Time cannot encode: %v", s, err)
		}
		var back time.Time
		if err := back.UnmarshalJSON(b); err != nil || !back.Equal(tm) {
			t.Fatalf("accepted %q, which does not survive encoding: %s, %v", s, b, err)
		}
		again, ok := syncproto.ParseOpTime(tm.Format(time.RFC3339Nano))
		if !ok || !again.Equal(tm) {
			t.Fatalf("accepted %q but not its own re-formatting %q", s, tm.Format(time.RFC3339Nano))
		}
	})
}
