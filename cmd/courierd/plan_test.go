//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// The plan of a fleet of simulated handhelds: each device's outbox of
// batches, made up front, and what the server must decide for every op.

// expect is what the server must decide for a planned op.
type expect int

const (
	expectApplied  expect = iota
	expectRejected        // rejected with plannedOp.code, and recorded
	expectConflict        // reuses an earlier op's id: op_id_conflict, never recorded
)

type plannedOp struct {
	op   syncproto.Op
	want expect
	code syncproto.Code
}

// batch is one push request of a device's outbox.
type batch struct {
	dev   *device
	index int
	ops   []plannedOp

	attempts []attempt // guarded by fleet.mu
}

// attempt is one POST /v1/sync/push of a batch.
type attempt struct {
	gen      int   // server generation it was sent to
	afterAck bool  // the batch had been acknowledged before this attempt
	acked    bool  // a complete 200 response came back
	dropped  bool  // a 200 came back, but the device dropped it unread
	err      error // why no complete response came back
	results  []syncproto.PushResult
}

type device struct {
	id        string
	username  string
	password  string
	courierID string
	token     string // used only by the device's own goroutine
	batches   []*batch
}

// special ops mixed into batches, one kind per batch at most.
const (
	specialNone = iota
	specialUninspected
	specialZeroWeight
	specialUnknownKind
	specialDuplicateWaybill
	specialReusedOpID
	specialComplaint
	specialCount
)

var shanghai = time.FixedZone("CST", 8*3600)

// planFleet plans every device's outbox: mostly valid pickups with unique
// waybills, plus ops the server must reject. Sizes and positions come from
// a fixed seed; op ids are UUIDv7.
func planFleet(couriers, perCourier, batches, minOps, maxOps int) []*device {
	var devices []*device
	for c := 0; c < couriers; c++ {
		for k := 0; k < perCourier; k++ {
			di := len(devices)
			d := &device{
				id:       fmt.Sprintf("hh-%02d-%d", c, k),
				username: fmt.Sprintf("courier-%02d", c),
				password: fmt.Sprintf("courier-password-%02d", c),
			}
			rng := rand.New(rand.NewPCG(uint64(di)+1, 0x5eed))
			var seq int64
			for bi := 0; bi < batches; bi++ {
				b := &batch{dev: d, index: bi}
				n := minOps + rng.IntN(maxOps-minOps+1)
				special := (bi + di) % specialCount
				if bi == 0 && (special == specialDuplicateWaybill || special == specialReusedOpID) {
					special = specialNone // needs an earlier batch
				}
				at := 1 + rng.IntN(n-1) // op 0 is always a valid pickup
				for i := 0; i < n; i++ {
					seq++
					if i == at && special != specialNone {
						b.ops = append(b.ops, planSpecial(d, di, seq, special))
						continue
					}
					b.ops = append(b.ops, plannedOp{op: pickupOp(seq, waybillOf(di, seq), 1200, true), want: expectApplied})
				}
				d.batches = append(d.batches, b)
			}
			devices = append(devices, d)
		}
	}
	return devices
}

func waybillOf(di int, seq int64) string { return fmt.Sprintf("CS-D%02d-%06d", di, seq) }

func planSpecial(d *device, di int, seq int64, special int) plannedOp {
	// prev is a valid pickup of the device's previous batch, acknowledged
	// before this batch is sent.
	prev := func() syncproto.Op { return d.batches[len(d.batches)-1].ops[0].op }
	switch special {
	case specialUninspected:
		return plannedOp{op: pickupOp(seq, waybillOf(di, seq), 900, false), want: expectRejected, code: syncproto.CodeInspectionRequired}
	case specialZeroWeight:
		return plannedOp{op: pickupOp(seq, waybillOf(di, seq), 0, true), want: expectRejected, code: syncproto.CodeValidationFailed}
	case specialUnknownKind:
		op := newOp(seq, "teleport", map[string]string{"to": "the moon"})
		return plannedOp{op: op, want: expectRejected, code: syncproto.CodeUnknownKind}
	case specialDuplicateWaybill:
		var p syncproto.Pickup
		if err := json.Unmarshal(prev().Payload, &p); err != nil {
			panic(err)
		}
		return plannedOp{op: pickupOp(seq, p.Waybill, 700, true), want: expectRejected, code: syncproto.CodeDuplicateWaybill}
	case specialReusedOpID:
		op := pickupOp(seq, waybillOf(di, seq), 500, true)
		op.OpID = prev().OpID
		return plannedOp{op: op, want: expectConflict, code: syncproto.CodeOpIDConflict}
	case specialComplaint:
		op := newOp(seq, syncproto.KindComplaint, syncproto.Complaint{
			Category: syncproto.CategoryDelay, Description: "parcel late by two days",
			Customer:   syncproto.Customer{Name: "Han Meimei", Phone: "+86 139 0000 0002"},
			ReceivedAt: time.Now().In(shanghai).Format(time.RFC3339),
		})
		return plannedOp{op: op, want: expectApplied}
	}
	panic("unknown special op")
}

func pickupOp(seq int64, waybill string, weight int64, inspected bool) syncproto.Op {
	declared, cod, insured := int64(5000), int64(0), false
	return newOp(seq, syncproto.KindPickup, syncproto.Pickup{
		Waybill:            waybill,
		Sender:             syncproto.Party{Name: "Li Lei", Phone: "+86 138 0000 0001", Address: "1 Zhongshan Road, Nanjing"},
		Recipient:          syncproto.Party{Name: "Wang Fang", Phone: "+86 137 0000 0003", Address: "9 Huaihai Road, Shanghai"},
		WeightG:            weight,
		DeclaredValueCents: &declared,
		Insured:            &insured,
		CODAmountCents:     &cod,
		Inspected:          inspected,
	})
}

func newOp(seq int64, kind string, payload any) syncproto.Op {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return syncproto.Op{
		OpID:       uuid.Must(uuid.NewV7()).String(),
		Seq:        seq,
		Kind:       kind,
		RecordedAt: time.Now().In(shanghai).Format(time.RFC3339Nano),
		Payload:    raw,
	}
}
