package bolt

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// DispatchSeed says what SeedDispatch puts in a store.
type DispatchSeed struct {
	Receipts, Complaints, Couriers, Vehicles int
	// Now is the end of the seeded history, which spans two years.
	Now time.Time
}

// SeedDispatch fills the store straight through the ledger, complaint and
// vehicle writers (no ops, big transactions), for benchmarks: receipts
// collected evenly over two years, handed over 1–3 days and settled 10–35
// days after collection except one in fifty; complaints received evenly,
// nineteen in twenty closed within 9 days; vehicles logged every two
// weeks and serviced every quarter, a few with an open defect; and the
// report's pickup and score counts. Courier ids are u1…uN.
func (d *DB) SeedDispatch(s DispatchSeed) error {
	rng := rand.New(rand.NewPCG(1, 2))
	start := s.Now.AddDate(-2, 0, 0)
	courier := func() string { return "u" + strconv.Itoa(1+rng.IntN(s.Couriers)) }
	const batch = 50_000
	step := s.Now.Sub(start) / time.Duration(max(s.Receipts, 1))
	for i := 0; i < s.Receipts; i += batch {
		err := d.db.Update(func(tx *bbolt.Tx) error {
			l := d.ledger(tx)
			for j := i; j < min(i+batch, s.Receipts); j++ {
				collected := start.Add(time.Duration(j) * step)
				no := "R" + strconv.Itoa(j)
				row := &ledgerRow{Kind: server.EntryReceipt, ReceiptNo: no, Waybill: "WB" + no, CourierID: courier(),
					AmountCents: 100 + rng.Int64N(50_000), Currency: "CNY", Method: syncproto.MethodCash,
					CollectedAt: collected, WrittenAt: collected}
				c := &custody{State: stCollected}
				if err := l.insert(row, c); err != nil {
					return err
				}
				if err := l.pointReceipt(no, row.Seq); err != nil {
					return err
				}
				handed := collected.Add(time.Duration(24+rng.IntN(48)) * time.Hour)
				settled := collected.Add(time.Duration(10*24+rng.IntN(25*24)) * time.Hour)
				if handed.Before(s.Now) {
					c.HandoverID, c.HandedOverAt = "ho-seed", &handed
					if err := l.move(row, c, stHandedOver); err != nil {
						return err
					}
					if rng.IntN(50) > 0 && settled.Before(s.Now) {
						c.SettlementID, c.SettledAt = "st-seed", &settled
						if err := l.move(row, c, stSettled); err != nil {
							return err
						}
					}
					if err := l.putCustody(row.Seq, c); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	customer, err := d.sealParty(syncproto.Party{Name: "张伟", Phone: "13812345678"})
	if err != nil {
		return err
	}
	step = s.Now.Sub(start) / time.Duration(max(s.Complaints, 1))
	err = d.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketComplaints)
		for j := 0; j < s.Complaints; j++ {
			received := start.Add(time.Duration(j) * step)
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			r := &complaintRecord{recordMeta: recordMeta{Ref: "cp-" + strconv.FormatUint(seq, 10), CourierID: courier()},
				Complaint: &syncproto.Complaint{Category: syncproto.CategoryDelay, Description: "late"}, Customer: customer,
				Channel: server.ChannelPhone, Seq: seq, Status: server.ComplaintReceived, Received: received,
				DueBy: server.ComplaintDeadline(received, d.opts.Settings), Version: 1}
			if closed := received.Add(time.Duration(rng.IntN(9*24)) * time.Hour); rng.IntN(20) > 0 && closed.Before(s.Now) {
				r.Status, r.ClosedAt = server.ComplaintClosed, &closed
			}
			if err := putJSON(b, u64(seq), r); err != nil {
				return err
			}
			if err := tx.Bucket(bucketComplaintDue).Put(complaintDueKey(r), complaintDueValue(r)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketComplaintReceived).Put(complaintReceivedKey(r), complaintReceivedValue(r)); err != nil {
				return err
			}
		}
		return d.seedReportCounts(tx, s, rng, start)
	})
	if err != nil {
		return err
	}
	return d.db.Update(func(tx *bbolt.Tx) error { return d.seedVehicles(tx, s, rng, start) })
}

func (d *DB) seedReportCounts(tx *bbolt.Tx, s DispatchSeed, rng *rand.Rand, start time.Time) error {
	loc := d.opts.Settings.Location
	for m := monthNum(start, loc); m <= monthNum(s.Now, loc); m++ {
		for c := 1; c <= s.Couriers; c++ {
			key := append(u32(m), "u"+strconv.Itoa(c)...)
			if err := tx.Bucket(bucketReportPickups).Put(key, u64(uint64(50+rng.IntN(100)))); err != nil {
				return err
			}
			n := uint64(rng.IntN(10))
			if err := tx.Bucket(bucketReportScores).Put(key, append(u64(n), u64(n*9/10)...)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *DB) seedVehicles(tx *bbolt.Tx, s DispatchSeed, rng *rand.Rand, start time.Time) error {
	loc := d.opts.Settings.Location
	seq := uint64(0)
	for i := 0; i < s.Vehicles; i++ {
		id := "V-" + strconv.Itoa(i)
		v := &vehicleRecord{VehicleID: id, Kind: "van", ServiceIntervalKM: 10_000, ServiceIntervalDays: 90, Registered: true, CreatedAt: start}
		logs, err := tx.Bucket(bucketVehicleLogs).CreateBucketIfNotExists([]byte(id))
		if err != nil {
			return err
		}
		svc, err := tx.Bucket(bucketVehicleServices).CreateBucketIfNotExists([]byte(id))
		if err != nil {
			return err
		}
		km := int64(1000)
		for at, n := start, 0; at.Before(s.Now); at, n = at.Add(14*24*time.Hour), n+1 {
			seq++
			km += 200 + rng.Int64N(600)
			typ := syncproto.LogOdometer
			if n%6 == 0 {
				typ = syncproto.LogService
			}
			c := "u" + strconv.Itoa(1+rng.IntN(s.Couriers))
			key := timeKey(at, seq)
			rec := &vehicleLogRecord{recordMeta: recordMeta{Ref: "vl-" + strconv.FormatUint(seq, 10), CourierID: c, RecordedAt: at},
				Log: &syncproto.VehicleLog{VehicleID: id, Type: typ, OdometerKM: &km}}
			if err := putJSON(logs, key, rec); err != nil {
				return err
			}
			if typ == syncproto.LogService {
				if err := svc.Put(key, u64(uint64(km))); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bucketVehicleDrivers).Put(append(append(append(u32(monthNum(at, loc)), c...), 0), id...), nil); err != nil {
				return err
			}
		}
		if rng.IntN(10) == 0 {
			all := tx.Bucket(bucketDefects)
			b, err := all.CreateBucketIfNotExists([]byte(id))
			if err != nil {
				return err
			}
			did, dseq, err := nextRef(all, "df")
			if err != nil {
				return err
			}
			df := &defectRecord{DefectID: did, VehicleID: id, Item: "horn", OpenedAt: s.Now.AddDate(0, 0, -3), Status: server.DefectOpen}
			if err := putJSON(b, u64(dseq), df); err != nil {
				return err
			}
			v.OpenDefects = 1
		}
		if err := putJSON(tx.Bucket(bucketVehicles), []byte(id), v); err != nil {
			return err
		}
	}
	return nil
}
