package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// recorder is the part of *mobileapi.Outbox a generator records into.
type recorder interface {
	RecordPickup(p *mobileapi.Pickup) (string, error)
	RecordDamageReport(r *mobileapi.DamageReport) (string, error)
	RecordCODReceipt(r *mobileapi.CODReceipt) (string, error)
	RecordComplaint(c *mobileapi.Complaint) (string, error)
	RecordCallbackOutcome(c *mobileapi.CallbackOutcome) (string, error)
	RecordVehicleLog(v *mobileapi.VehicleLog) (string, error)
	AttachPhoto(path string) (string, error)
}

// action is what a courier does next. Some actions are wrong on purpose,
// each with one outcome the end check expects.
type action int

const (
	actPickup             action = iota
	actDuplicateWaybill          // a second pickup of an earlier waybill → duplicate_waybill
	actCODReceipt                // for an earlier pickup with COD; a few with another amount (applied, flagged)
	actDuplicateReceipt          // an earlier receipt_no again → duplicate_receipt
	actComplaint                 //
	actDamageReport              //
	actVehicleLog                //
	actOdometerRegression        // a later log with a lower reading → odometer_regression
	actCallbackOutcome           // for a task that does not exist → not_assigned
	actLocalInvalid              // refused by the handheld itself, never sent
)

// actionMix is the share of each action, in percent.
var actionMix = []struct {
	act    action
	weight int
}{
	{actPickup, 49}, {actDuplicateWaybill, 1},
	{actCODReceipt, 14}, {actDuplicateReceipt, 1},
	{actComplaint, 8}, {actDamageReport, 7},
	{actVehicleLog, 11}, {actOdometerRegression, 1},
	{actCallbackOutcome, 5}, {actLocalInvalid, 1},
}

// recordedAtLayout is RFC 3339 with milliseconds and an offset.
const recordedAtLayout = "2006-01-02T15:04:05.000Z07:00"

// shanghai is the couriers' time zone (a fixed +08:00, no tz database needed).
var shanghai = time.FixedZone("CST", 8*3600)

// inspectionChecklist is the 11-item pre-trip inspection.
var inspectionChecklist = []string{"brakes", "parking brake", "steering", "lights", "tyres", "horn", "wipers", "mirrors", "wheels", "emergency equipment", "cargo box/lock"}

// outcome is what one step recorded.
type outcome struct {
	Kind string
	// OpID is set when the op was queued.
	OpID string
	// Want is the code the server must reject the op with; empty when it
	// must be applied.
	Want syncproto.Code
	// Refused is set when the handheld refused the record, as intended.
	Refused bool
	// Surprise describes a handheld decision the simulator did not expect
	// (a valid record refused, an invalid one queued).
	Surprise string
	// Evidence is the photo digests of a queued damage report or vehicle
	// log; RealPhotos says they were attached (else they are made up and
	// never uploaded, like photos lost on a broken handheld).
	Evidence   []string
	RealPhotos bool
	// Shots are the photos attached in this step.
	Shots []shot
}

type pickupInfo struct {
	waybill  string
	codCents int64
	receipt  bool // a COD receipt was recorded for it
}

// generator makes one courier's records. It remembers what the courier
// recorded so that later records refer to it (receipts for its pickups, a
// vehicle whose readings go up) and so that the wrong ones are wrong in a
// known way.
type generator struct {
	r       *rand.Rand
	runID   string
	courier int
	now     func() time.Time
	// cam takes the real photos, photoRate of the damage reports (and of
	// the inspections with faults) get; with cam nil all photos are made
	// up.
	cam       *camera
	photoRate float64
	bigTaken  bool // the courier's one big photo is taken

	last      time.Time // recorded_at of the previous record
	pickups   []pickupInfo
	receipts  []*mobileapi.CODReceipt
	vehicleID string
	odometer  int64 // latest accepted reading; 0 before the first log
	nWaybill  int
	nReceipt  int
	nTask     int

	// mismatched lists the receipts recorded with another amount than
	// their pickup's COD; defects counts the failed items of inspections
	// that must be applied (each opens a defect); pii is every customer
	// name, phone and address made up, for the leak scans.
	mismatched map[string]bool
	defects    int
	pii        []string
}

func newGenerator(seed uint64, runID string, courier int, now func() time.Time) *generator {
	return &generator{
		r:          rand.New(rand.NewPCG(seed, uint64(courier)<<32|0x5eed)),
		runID:      runID,
		courier:    courier,
		now:        now,
		vehicleID:  fmt.Sprintf("粤B-%s-%03d", runID, courier),
		mismatched: map[string]bool{},
	}
}

// nextAction draws an action from actionMix.
func (g *generator) nextAction() action {
	n := g.r.IntN(100)
	for _, m := range actionMix {
		if n < m.weight {
			return m.act
		}
		n -= m.weight
	}
	return actPickup
}

// tick returns the next recorded_at: now, but always after the previous
// one, so that one courier's records (and its vehicle's readings) are in
// time order.
func (g *generator) tick() string {
	t := g.now().Truncate(time.Millisecond)
	if !t.After(g.last) {
		t = g.last.Add(time.Millisecond)
	}
	g.last = t
	return t.In(shanghai).Format(recordedAtLayout)
}

// step records one record into rec. The error is a failure of the outbox
// itself (disk, closed), not a refusal.
func (g *generator) step(rec recorder) (outcome, error) {
	switch act := g.nextAction(); {
	case act == actDuplicateWaybill && len(g.pickups) > 0:
		p := g.pickup()
		p.Waybill = pick(g.r, g.pickups).waybill
		return g.queued(syncproto.KindPickup, syncproto.CodeDuplicateWaybill)(rec.RecordPickup(p))
	case act == actCODReceipt && g.openCOD() >= 0:
		return g.codReceipt(rec)
	case act == actDuplicateReceipt && len(g.receipts) > 0:
		prev := pick(g.r, g.receipts)
		r := g.receipt(pickupInfo{waybill: prev.Waybill, codCents: prev.AmountCents})
		r.ReceiptNo = prev.ReceiptNo // the same slip entered twice
		return g.queued(syncproto.KindCODReceipt, syncproto.CodeDuplicateReceipt)(rec.RecordCODReceipt(r))
	case act == actComplaint:
		return g.queued(syncproto.KindComplaint, "")(rec.RecordComplaint(g.complaint()))
	case act == actDamageReport:
		d := g.damageReport()
		ev, err := g.attachEvidence(rec, syncproto.KindDamageReport, 1+g.r.IntN(3), 1)
		if err != nil {
			return outcome{Kind: syncproto.KindDamageReport}, err
		}
		d.Photos = ev.digests
		o, err := g.queued(syncproto.KindDamageReport, "")(rec.RecordDamageReport(d))
		return ev.note(o), err
	case act == actVehicleLog, act == actOdometerRegression && g.odometer == 0:
		v := g.vehicleLog()
		var ev evidence
		if len(v.Photos) > 0 { // an inspection with faults: one real photo shows them
			var err error
			if ev, err = g.attachEvidence(rec, syncproto.KindVehicleLog, len(v.Photos), 1); err != nil {
				return outcome{Kind: syncproto.KindVehicleLog}, err
			}
			v.Photos = ev.digests
		}
		o, err := g.queued(syncproto.KindVehicleLog, "")(rec.RecordVehicleLog(v))
		if o.OpID != "" {
			g.odometer = v.OdometerKM
			for _, it := range v.Items {
				if !it.OK {
					g.defects++
				}
			}
		}
		return ev.note(o), err
	case act == actOdometerRegression:
		v := g.vehicleLog()
		v.OdometerKM = g.odometer - 1 - g.r.Int64N(50)
		return g.queued(syncproto.KindVehicleLog, syncproto.CodeOdometerRegression)(rec.RecordVehicleLog(v))
	case act == actCallbackOutcome:
		return g.queued(syncproto.KindCallbackOutcome, syncproto.CodeNotAssigned)(rec.RecordCallbackOutcome(g.callbackOutcome()))
	case act == actLocalInvalid:
		return g.invalid(rec)
	default: // a pickup, also when a record needing earlier ones has none yet
		p := g.pickup()
		o, err := g.queued(syncproto.KindPickup, "")(rec.RecordPickup(p))
		if o.OpID != "" {
			g.pickups = append(g.pickups, pickupInfo{waybill: p.Waybill, codCents: p.CODAmountCents})
		}
		return o, err
	}
}

// queued turns the answer of a Record* call for a valid record into an
// outcome: an op the server must apply (want "") or reject with want.
func (g *generator) queued(kind string, want syncproto.Code) func(string, error) (outcome, error) {
	return func(opID string, err error) (outcome, error) {
		o := outcome{Kind: kind, OpID: opID, Want: want}
		var perr *syncproto.Error
		switch {
		case errors.As(err, &perr):
			o.OpID = ""
			o.Surprise = fmt.Sprintf("handheld refused a valid %s: %s", kind, perr.Code)
			return o, nil
		case err != nil:
			return o, fmt.Errorf("record %s: %w", kind, err)
		}
		return o, nil
	}
}

func (g *generator) codReceipt(rec recorder) (outcome, error) {
	i := g.openCOD()
	r := g.receipt(g.pickups[i])
	mismatch := g.r.IntN(12) == 0
	if mismatch { // counted wrong or paid short: applied, flagged as a discrepancy
		r.AmountCents += (1 + g.r.Int64N(50)) * 100 * int64(1-2*g.r.IntN(2))
		r.AmountCents = max(r.AmountCents, 100)
	}
	o, err := g.queued(syncproto.KindCODReceipt, "")(rec.RecordCODReceipt(r))
	if o.OpID != "" {
		g.pickups[i].receipt = true
		g.receipts = append(g.receipts, r)
		if mismatch {
			g.mismatched[r.ReceiptNo] = true
		}
	}
	return o, err
}

// openCOD returns the index of an own pickup with COD still to collect, or
// -1.
func (g *generator) openCOD() int {
	var open []int
	for i, p := range g.pickups {
		if p.codCents > 0 && !p.receipt {
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		return -1
	}
	return pick(g.r, open)
}

// invalid records something the handheld must refuse.
func (g *generator) invalid(rec recorder) (outcome, error) {
	var (
		o    outcome
		id   string
		err  error
		want syncproto.Code = syncproto.CodeValidationFailed
	)
	switch g.r.IntN(4) {
	case 0: // not opened and checked at intake
		p := g.pickup()
		p.Inspected = false
		want = syncproto.CodeInspectionRequired
		o.Kind = syncproto.KindPickup
		id, err = rec.RecordPickup(p)
	case 1: // a mistyped waybill
		p := g.pickup()
		p.Waybill = "SF#" + p.Waybill[2:8]
		o.Kind = syncproto.KindPickup
		id, err = rec.RecordPickup(p)
	case 2: // no weight
		p := g.pickup()
		p.WeightG = 0
		o.Kind = syncproto.KindPickup
		id, err = rec.RecordPickup(p)
	default: // a damage report without photos
		d := g.damageReport()
		d.Photos = nil
		o.Kind = syncproto.KindDamageReport
		id, err = rec.RecordDamageReport(d)
	}
	var perr *syncproto.Error
	switch {
	case errors.As(err, &perr):
		o.Refused = true
	case err != nil:
		return o, fmt.Errorf("record %s: %w", o.Kind, err)
	default:
		o.OpID, o.Want = id, want
		o.Surprise = fmt.Sprintf("handheld queued an invalid %s (server should answer %s)", o.Kind, want)
	}
	return o, nil
}

// newWaybill returns a waybill unique to this run and courier, like
// SF<run id><courier><n>.
func (g *generator) newWaybill() string {
	g.nWaybill++
	return fmt.Sprintf("SF%s%03d%05d", g.runID, g.courier, g.nWaybill)
}

func (g *generator) pickup() *mobileapi.Pickup {
	r := g.r
	p := &mobileapi.Pickup{
		Waybill:    g.newWaybill(),
		SenderName: personName(r), SenderPhone: phone(r), SenderAddress: address(r),
		RecipientName: personName(r), RecipientPhone: phone(r), RecipientAddress: address(r),
		WeightG:            100 + r.Int64N(30_000),
		DeclaredValueCents: r.Int64N(500) * 1000,
		FreightCents:       800 + r.Int64N(40)*100,
		Inspected:          true,
		RecordedAt:         g.tick(),
	}
	g.pii = append(g.pii, p.SenderName, p.SenderPhone, p.SenderAddress, p.RecipientName, p.RecipientPhone, p.RecipientAddress)
	if r.IntN(5) == 0 && p.DeclaredValueCents > 0 {
		p.Insured = true
		p.InsuredValueCents = max(1, p.DeclaredValueCents/(1+r.Int64N(2)))
	}
	if r.IntN(10) < 3 { // cash on delivery: ¥10 to ¥2,000, sometimes with jiao and fen
		p.CODAmountCents = (10 + r.Int64N(1990)) * 100
		if r.IntN(3) == 0 {
			p.CODAmountCents += r.Int64N(100)
		}
	}
	return p
}

func (g *generator) receipt(p pickupInfo) *mobileapi.CODReceipt {
	g.nReceipt++
	amount := p.codCents
	if amount <= 0 {
		amount = (10 + g.r.Int64N(500)) * 100
	}
	methods := []string{syncproto.MethodCash, syncproto.MethodCash, syncproto.MethodQR, syncproto.MethodQR, syncproto.MethodQR, syncproto.MethodCard, syncproto.MethodBankTransfer}
	return &mobileapi.CODReceipt{
		Waybill:     p.waybill,
		ReceiptNo:   fmt.Sprintf("RC%s%03d%05d", g.runID, g.courier, g.nReceipt),
		AmountCents: amount,
		Method:      pick(g.r, methods),
		RecordedAt:  g.tick(),
	}
}

var complaintTexts = map[string][]string{
	syncproto.CategoryDelay:    {"快递延误三天仍未送达", "说好今天到，结果没送", "Parcel is two days late"},
	syncproto.CategoryLoss:     {"物流显示已签收但本人未收到", "包裹丢失，查询无果"},
	syncproto.CategoryDamage:   {"外箱破损，内物受潮", "收到时玻璃杯已碎", "Box arrived crushed"},
	syncproto.CategoryShortage: {"少了一件衣服", "内件数量与订单不符"},
	syncproto.CategoryAttitude: {"快递员态度恶劣", "未打电话直接放驿站"},
	syncproto.CategoryOther:    {"希望改为周末派送", "发票未随件寄出"},
}

func (g *generator) complaint() *mobileapi.Complaint {
	r := g.r
	cats := []string{syncproto.CategoryDelay, syncproto.CategoryLoss, syncproto.CategoryDamage, syncproto.CategoryShortage, syncproto.CategoryAttitude, syncproto.CategoryOther}
	cat := pick(r, cats)
	recordedAt := g.tick()
	c := &mobileapi.Complaint{
		Category:     cat,
		Description:  pick(r, complaintTexts[cat]),
		CustomerName: personName(r), CustomerPhone: phone(r),
		ReceivedAt: g.last.Add(-time.Duration(r.IntN(45)) * time.Minute).In(shanghai).Format(time.RFC3339),
		RecordedAt: recordedAt,
	}
	if len(g.pickups) > 0 && r.IntN(2) == 0 {
		c.Waybill = pick(r, g.pickups).waybill
	}
	g.pii = append(g.pii, c.CustomerName, c.CustomerPhone)
	return c
}

var damageTexts = []string{"外箱破损，内物完好", "外包装严重挤压变形", "液体渗漏，箱体潮湿", "封口胶带被拆开过", "Corner crushed, contents rattle"}

func (g *generator) damageReport() *mobileapi.DamageReport {
	r := g.r
	d := &mobileapi.DamageReport{
		Stage:       pick(r, []string{syncproto.StagePickup, syncproto.StageTransit, syncproto.StageDelivery}),
		Severity:    pick(r, []string{syncproto.SeverityMinor, syncproto.SeverityMinor, syncproto.SeverityMajor, syncproto.SeverityTotal}),
		Description: pick(r, damageTexts),
		RecordedAt:  g.tick(),
	}
	if len(g.pickups) > 0 {
		d.Waybill = pick(r, g.pickups).waybill
	} else {
		d.Waybill = fmt.Sprintf("SF%013d", r.Int64N(1e13)) // a parcel someone else picked up
	}
	return d
}

// photo returns the SHA-256 of some made-up photo bytes, a photo that is
// never uploaded.
func (g *generator) photo() string {
	var b [64]byte
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:])
}

func (g *generator) vehicleLog() *mobileapi.VehicleLog {
	r := g.r
	km := g.odometer + 1 + r.Int64N(60)
	if g.odometer == 0 {
		km = 5_000 + r.Int64N(85_000)
	}
	v := &mobileapi.VehicleLog{VehicleID: g.vehicleID, OdometerKM: km, RecordedAt: g.tick()}
	switch n := r.IntN(100); {
	case n < 35:
		v.Type = syncproto.LogInspection
		for _, item := range inspectionChecklist {
			it := mobileapi.InspectionItem{Item: item, OK: r.IntN(30) != 0}
			if !it.OK {
				it.Note = pick(r, []string{"磨损严重", "不工作", "有裂纹", "松动", "needs replacing"})
				v.Photos = append(v.Photos, g.photo())
			}
			v.Items = append(v.Items, it)
		}
	case n < 60:
		v.Type = syncproto.LogOdometer
	case n < 85:
		v.Type = syncproto.LogFuel
		v.Note = fmt.Sprintf("加油 %d.%dL", 20+r.IntN(30), r.IntN(10))
	case n < 93:
		v.Type = syncproto.LogService
		v.Note = "定期保养：机油、机滤"
	default:
		v.Type = syncproto.LogRepair
		v.Note = pick(r, []string{"更换刹车片", "补胎", "更换大灯灯泡"})
	}
	return v
}

func (g *generator) callbackOutcome() *mobileapi.CallbackOutcome {
	r := g.r
	g.nTask++
	c := &mobileapi.CallbackOutcome{
		// No such task exists: the server must answer not_assigned.
		TaskID:     fmt.Sprintf("cb-sim-%s-%03d-%04d", g.runID, g.courier, g.nTask),
		Result:     pick(r, []string{syncproto.ResultReached, syncproto.ResultReached, syncproto.ResultNoAnswer, syncproto.ResultWrongNumber, syncproto.ResultRefused}),
		Note:       pick(r, []string{"客户表示满意", "无人接听，稍后再拨", "已解释延误原因", ""}),
		RecordedAt: g.tick(),
	}
	if c.Result == syncproto.ResultReached {
		c.Resolved = r.IntN(4) != 0
		c.Satisfaction = 1 + r.IntN(5)
	}
	return c
}
