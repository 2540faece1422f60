//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// A fleet is a set of simulated handhelds, each with an outbox of batches
// planned up front, and a ledger of every push attempt and its outcome.

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
	gen      int  // server generation it was sent to
	afterAck bool // the batch had been acknowledged before this attempt
	acked    bool // a complete 200 response came back
	dropped  bool // a 200 came back, but the device dropped it unread
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

// fleet drives the devices against a serverProc and keeps the ledger.
type fleet struct {
	t       *testing.T
	srv     *serverProc
	api     *apiClient
	devices []*device

	mu       sync.Mutex
	cond     *sync.Cond
	acked    int // batches acknowledged at least once
	answers  int // 200s read, first acknowledgements and resends alike
	running  int // devices still working through their outbox
	relogins int // 401s answered by logging in again
	trip     *tripwire
}

// tripwire lets the test stop the server at the moment a push has been
// answered but not yet read: the first 200 whose headers arrive once `at`
// batches are acknowledged fires it; that device drops the response
// unread and waits until the test has stopped the server. The server had
// committed the batch, so after the restart every op of it must come back
// as a duplicate.
type tripwire struct {
	at    int
	fired bool // guarded by fleet.mu
	done  chan struct{}
}

// armTrip arms a tripwire for the moment `at` batches are acknowledged.
func (f *fleet) armTrip(at int) *tripwire {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trip = &tripwire{at: at, done: make(chan struct{})}
	return f.trip
}

// waitTrip blocks until tw has fired, and reports false if the devices
// stopped first.
func (f *fleet) waitTrip(tw *tripwire) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !tw.fired && f.running > 0 {
		f.cond.Wait()
	}
	return tw.fired
}

// onHeaders is the devices' hook between a response's headers and its
// body: it fires an armed tripwire on the answer to a batch not yet
// acknowledged, and returns the tripwire it fired.
func (f *fleet) onHeaders(b *batch, status int) *tripwire {
	if status != http.StatusOK {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tw := f.trip
	if tw == nil || f.acked < tw.at || b.ackedLocked() {
		return nil
	}
	f.trip = nil
	tw.fired = true
	f.cond.Broadcast()
	return tw
}

func newFleet(t *testing.T, srv *serverProc, api *apiClient, devices []*device) *fleet {
	f := &fleet{t: t, srv: srv, api: api, devices: devices}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// enrol creates the couriers as the bootstrap admin and logs every device
// in on its own device id.
func (f *fleet) enrol(ctx context.Context) {
	f.t.Helper()
	base := f.srv.url()
	admin, err := f.api.login(ctx, base, adminUser, adminPassword, "admin-console")
	if err != nil {
		f.t.Fatal(err)
	}
	ids := map[string]string{}
	for _, d := range f.devices {
		if _, ok := ids[d.username]; !ok {
			u, err := f.api.createCourier(ctx, base, admin, d.username, d.password)
			if err != nil {
				f.t.Fatal(err)
			}
			if u.UserID == "" || u.Role != syncproto.RoleCourier {
				f.t.Fatalf("created user %+v", u)
			}
			ids[d.username] = u.UserID
		}
		d.courierID = ids[d.username]
		if d.token, err = f.api.login(ctx, base, d.username, d.password, d.id); err != nil {
			f.t.Fatal(err)
		}
	}
}

// run starts one goroutine per device. Each works through its outbox:
// it sends a batch until a 200 comes back, then the next. After a restart
// it resends the two batches before the current one, and every fifth
// batch it resends an older one, as a device that lost its outbox state
// would. fail is called with the first error of each device.
func (f *fleet) run(ctx context.Context, wg *sync.WaitGroup, fail func(error)) {
	f.mu.Lock()
	f.running = len(f.devices)
	f.mu.Unlock()
	for _, d := range f.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				f.mu.Lock()
				f.running--
				f.cond.Broadcast()
				f.mu.Unlock()
			}()
			if err := f.drainOutbox(ctx, d); err != nil {
				fail(err)
			}
		}()
	}
}

func (f *fleet) drainOutbox(ctx context.Context, d *device) error {
	lastGen := 0
	for k, b := range d.batches {
		gen, err := f.deliver(ctx, b)
		if err != nil {
			return err
		}
		if lastGen != 0 && gen != lastGen {
			for j := max(0, k-2); j < k; j++ {
				if _, err := f.deliver(ctx, d.batches[j]); err != nil {
					return err
				}
			}
		}
		if k%5 == 4 {
			if _, err := f.deliver(ctx, d.batches[k-3]); err != nil {
				return err
			}
		}
		lastGen = gen
	}
	return nil
}

// resendAll sends every batch of every device once more, one goroutine per
// device.
func (f *fleet) resendAll(ctx context.Context) error {
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	for _, d := range f.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range d.batches {
				if _, err := f.deliver(ctx, b); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// deliver pushes b until a 200 comes back and returns the generation that
// answered. A request that fails on the wire is retried on the next
// generation, but only when the test stopped the server; a 401 is answered
// by logging in again.
func (f *fleet) deliver(ctx context.Context, b *batch) (int, error) {
	d := b.dev
	req := syncproto.PushRequest{DeviceID: d.id, Ops: make([]syncproto.Op, len(b.ops))}
	for i, po := range b.ops {
		req.Ops[i] = po.op
	}
	unauthorized := 0
	for {
		base, gen, err := f.srv.await(ctx)
		if err != nil {
			return 0, err
		}
		if d.token == "" {
			d.token, err = f.api.login(ctx, base, d.username, d.password, d.id)
			if err != nil {
				if werr := (*wireError)(nil); errors.As(err, &werr) {
					if err := f.srv.failed(gen); err != nil {
						return 0, fmt.Errorf("device %s login: %w (%v)", d.id, err, werr)
					}
					continue
				}
				return 0, err
			}
		}
		f.mu.Lock()
		afterAck := b.ackedLocked()
		f.mu.Unlock()
		var tripped *tripwire
		r, err := f.api.sendWith(ctx, http.MethodPost, base, "/v1/sync/push", d.token, req,
			func(status int) bool { tripped = f.onHeaders(b, status); return tripped != nil })
		if tripped != nil {
			select {
			case <-tripped.done:
			case <-ctx.Done():
			}
		}
		if werr := (*wireError)(nil); errors.As(err, &werr) {
			f.record(b, attempt{gen: gen, afterAck: afterAck, dropped: errors.Is(err, errDropped), err: werr})
			if err := f.srv.failed(gen); err != nil {
				return 0, fmt.Errorf("device %s batch %d: %w (%v)", d.id, b.index, err, werr)
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if r.status == http.StatusUnauthorized && unauthorized < 3 {
			unauthorized++
			d.token = ""
			f.mu.Lock()
			f.relogins++
			f.mu.Unlock()
			continue
		}
		var resp syncproto.PushResponse
		if err := r.decode(http.StatusOK, &resp); err != nil {
			return 0, fmt.Errorf("device %s batch %d: push: %w", d.id, b.index, err)
		}
		f.record(b, attempt{gen: gen, afterAck: afterAck, acked: true, results: resp.Results})
		return gen, nil
	}
}

func (b *batch) ackedLocked() bool {
	for _, a := range b.attempts {
		if a.acked {
			return true
		}
	}
	return false
}

func (f *fleet) record(b *batch, a attempt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.acked {
		if !b.ackedLocked() {
			f.acked++
		}
		f.answers++
		f.cond.Broadcast()
	}
	b.attempts = append(b.attempts, a)
}

// waitAcked blocks until n batches have been acknowledged, and reports
// false if the devices stopped first.
func (f *fleet) waitAcked(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.acked < n && f.running > 0 {
		f.cond.Wait()
	}
	return f.acked >= n
}

// answered returns how many 200s the devices have read so far.
func (f *fleet) answered() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.answers
}

// waitAnswers blocks until the devices have read n 200s, and reports
// false if they stopped first.
func (f *fleet) waitAnswers(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.answers < n && f.running > 0 {
		f.cond.Wait()
	}
	return f.answers >= n
}

// firstResult is the first acknowledged result of a recorded op: what the
// server must keep and answer again.
type firstResult struct {
	dev *device
	op  syncproto.Op
	res syncproto.PushResult
}

// acknowledged returns the first acknowledged result of every op that the
// server must have recorded, by op id.
func (f *fleet) acknowledged() map[string]firstResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]firstResult{}
	for _, d := range f.devices {
		for _, b := range d.batches {
			for _, a := range b.attempts {
				if !a.acked || len(a.results) != len(b.ops) {
					continue
				}
				for i, po := range b.ops {
					if po.want != expectConflict {
						out[po.op.OpID] = firstResult{dev: d, op: po.op, res: a.results[i]}
					}
				}
				break
			}
		}
	}
	return out
}

// checkAudit compares one audit entry with the op's first result.
func checkAudit(e syncproto.AuditOp, fr firstResult) error {
	code := syncproto.Code("")
	if fr.res.Error != nil {
		code = fr.res.Error.Code
	}
	switch {
	case e.Status != fr.res.Status || e.ErrorCode != code || e.Ref != fr.res.Ref:
		return fmt.Errorf("audit says %s/%q/ref %q, the device was told %s/%q/ref %q", e.Status, e.ErrorCode, e.Ref, fr.res.Status, code, fr.res.Ref)
	case e.Kind != fr.op.Kind || e.Seq != fr.op.Seq || e.RecordedAt != fr.op.RecordedAt:
		return fmt.Errorf("audit says kind %q seq %d recorded %s, the device sent %q, %d, %s", e.Kind, e.Seq, e.RecordedAt, fr.op.Kind, fr.op.Seq, fr.op.RecordedAt)
	case e.DeviceID != fr.dev.id || e.CourierID != fr.dev.courierID:
		return fmt.Errorf("audit says device %q courier %q, want %q %q", e.DeviceID, e.CourierID, fr.dev.id, fr.dev.courierID)
	}
	return nil
}

// missingFromAudit returns an error for every acknowledged op that the
// audit trail lacks or tells differently.
func missingFromAudit(acked map[string]firstResult, audit []syncproto.AuditOp) []error {
	byID := make(map[string]syncproto.AuditOp, len(audit))
	for _, e := range audit {
		byID[e.OpID] = e
	}
	var errs []error
	for id, fr := range acked {
		e, ok := byID[id]
		if !ok {
			errs = append(errs, fmt.Errorf("op %s (device %s seq %d) was acknowledged but is not in the audit", id, fr.dev.id, fr.op.Seq))
			continue
		}
		if err := checkAudit(e, fr); err != nil {
			errs = append(errs, fmt.Errorf("op %s: %w", id, err))
		}
	}
	return errs
}

// ledgerStats sums up what a run exercised.
type ledgerStats struct {
	batches, ops, conflictOps  int
	attempts, wireFailures     int
	ackedResends, resentOps    int
	committedUnacked           int // ops whose first 200 already said duplicate: the crash hit between commit and response
	droppedResponses           int // 200s dropped unread at a tripwire
	interruptedBatches         int // batches with at least one attempt that got no response
	applied, rejected, relogin int
}

// verify checks the whole ledger against the audit trail: every batch was
// acknowledged; every op got the result planned for it; every resend got
// the first result again with duplicate:true; the audit lists every
// recorded op exactly once, as the device was told, in each device's order.
func (f *fleet) verify(audit []syncproto.AuditOp) (ledgerStats, []error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var (
		st   ledgerStats
		errs []error
		refs = map[string]string{}
	)
	st.relogin = f.relogins
	acked := map[string]firstResult{}
	for _, d := range f.devices {
		for _, b := range d.batches {
			st.batches++
			st.ops += len(b.ops)
			errs = append(errs, f.verifyBatch(b, &st, refs, acked)...)
		}
	}

	seen := make(map[string]bool, len(audit))
	lastSeq := map[string]int64{}
	for i, e := range audit {
		if seen[e.OpID] {
			errs = append(errs, fmt.Errorf("audit entry %d: op %s listed twice", i, e.OpID))
			continue
		}
		seen[e.OpID] = true
		fr, ok := acked[e.OpID]
		if !ok {
			errs = append(errs, fmt.Errorf("audit entry %d: op %s was never sent as a new op by any device", i, e.OpID))
			continue
		}
		if err := checkAudit(e, fr); err != nil {
			errs = append(errs, fmt.Errorf("audit entry %d, op %s: %w", i, e.OpID, err))
		}
		if e.Seq <= lastSeq[e.DeviceID] {
			errs = append(errs, fmt.Errorf("audit entry %d: device %s seq %d taken after seq %d", i, e.DeviceID, e.Seq, lastSeq[e.DeviceID]))
		}
		lastSeq[e.DeviceID] = e.Seq
	}
	for id, fr := range acked {
		if !seen[id] {
			errs = append(errs, fmt.Errorf("op %s (device %s seq %d) is not in the audit", id, fr.dev.id, fr.op.Seq))
		}
	}
	if len(audit) != len(acked) {
		errs = append(errs, fmt.Errorf("audit lists %d ops, the devices sent %d distinct recordable ops", len(audit), len(acked)))
	}
	return st, errs
}

func (f *fleet) verifyBatch(b *batch, st *ledgerStats, refs map[string]string, acked map[string]firstResult) []error {
	var errs []error
	where := fmt.Sprintf("device %s batch %d", b.dev.id, b.index)
	var ackedAttempts []attempt
	firstSendAcked := len(b.attempts) > 0 && b.attempts[0].acked
	interrupted, droppedBeforeAck := false, false
	for _, a := range b.attempts {
		st.attempts++
		if !a.acked {
			st.wireFailures++
			interrupted = true
			if a.dropped {
				st.droppedResponses++
				droppedBeforeAck = droppedBeforeAck || len(ackedAttempts) == 0
			}
			continue
		}
		if a.afterAck {
			st.ackedResends++
			st.resentOps += len(b.ops)
		}
		if len(a.results) != len(b.ops) {
			errs = append(errs, fmt.Errorf("%s: %d results for %d ops", where, len(a.results), len(b.ops)))
			continue
		}
		for i, r := range a.results {
			if r.OpID != b.ops[i].op.OpID || r.Seq != b.ops[i].op.Seq {
				errs = append(errs, fmt.Errorf("%s: result %d is for op %s seq %d, not %s seq %d", where, i, r.OpID, r.Seq, b.ops[i].op.OpID, b.ops[i].op.Seq))
			}
		}
		ackedAttempts = append(ackedAttempts, a)
	}
	if interrupted {
		st.interruptedBatches++
	}
	if len(ackedAttempts) == 0 {
		return append(errs, fmt.Errorf("%s was never acknowledged", where))
	}
	if len(errs) > 0 {
		return errs
	}
	first := ackedAttempts[0]
	for i, po := range b.ops {
		r0 := first.results[i]
		at := fmt.Sprintf("%s op %d (seq %d, %s)", where, i, po.op.Seq, po.op.Kind)
		if err := checkPlanned(po, r0); err != nil {
			errs = append(errs, fmt.Errorf("%s: first result: %w", at, err))
			continue
		}
		if po.want == expectConflict {
			st.conflictOps++
			for _, a := range ackedAttempts[1:] {
				if err := checkPlanned(po, a.results[i]); err != nil {
					errs = append(errs, fmt.Errorf("%s: resent: %w", at, err))
				}
			}
			continue
		}
		acked[po.op.OpID] = firstResult{dev: b.dev, op: po.op, res: r0}
		if r0.Status == syncproto.StatusApplied {
			st.applied++
			if other, dup := refs[r0.Ref]; dup {
				errs = append(errs, fmt.Errorf("%s: ref %s also belongs to op %s", at, r0.Ref, other))
			}
			refs[r0.Ref] = po.op.OpID
		} else {
			st.rejected++
		}
		switch {
		case r0.Duplicate && firstSendAcked:
			errs = append(errs, fmt.Errorf("%s: duplicate:true on the op's very first send", at))
		case !r0.Duplicate && droppedBeforeAck:
			errs = append(errs, fmt.Errorf("%s: the server answered 200 for it before the stop, yet after the restart it was applied again (duplicate:false)", at))
		case r0.Duplicate:
			st.committedUnacked++
		}
		for _, a := range ackedAttempts[1:] {
			r := a.results[i]
			if !r.Duplicate || r.Status != r0.Status || r.Ref != r0.Ref || !sameError(r.Error, r0.Error) {
				errs = append(errs, fmt.Errorf("%s: resent op got %s dup=%v ref %q err %v; first result was %s ref %q err %v",
					at, r.Status, r.Duplicate, r.Ref, r.Error, r0.Status, r0.Ref, r0.Error))
			}
		}
	}
	return errs
}

// checkPlanned checks a result against what the op was planned to get.
func checkPlanned(po plannedOp, r syncproto.PushResult) error {
	switch po.want {
	case expectApplied:
		if r.Status != syncproto.StatusApplied || r.Error != nil || r.Ref == "" {
			return fmt.Errorf("want applied with a ref, got %s ref %q err %v", r.Status, r.Ref, r.Error)
		}
	default:
		if r.Status != syncproto.StatusRejected || r.Error == nil || r.Error.Code != po.code || r.Ref != "" {
			return fmt.Errorf("want rejected %s without a ref, got %s ref %q err %v", po.code, r.Status, r.Ref, r.Error)
		}
	}
	return nil
}

func sameError(a, b *syncproto.Error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
