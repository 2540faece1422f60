package bolt

import (
	"context"
	"encoding/json"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// damageRecord is a stored damage report.
type damageRecord struct {
	recordMeta
	Report *syncproto.DamageReport `json:"report"`
	// Text is the description, sealed (Report.Description is empty but
	// in records written before free text was sealed).
	Text []byte `json:"text_sealed,omitempty"`
}

func (a *applier) damageReport(po *pendingOp, p *syncproto.DamageReport) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketDamage)
	ref, seq, err := nextRef(b, "dr")
	if err != nil {
		return "", nil, nil, err
	}
	if err := a.referBlobs(p.Photos); err != nil {
		return "", nil, nil, err
	}
	if err := indexWaybill(a.tx, p.Waybill, wbDamage, u64(seq)); err != nil {
		return "", nil, nil, err
	}
	return ref, nil, nil, putJSON(b, u64(seq), &damageRecord{recordMeta: a.meta(po, ref), Report: p, Text: po.text})
}

// ListDamageReports implements server.DamageReports. Filters are applied
// while scanning, with the scan bounded like every filtered list.
func (d *DB) ListDamageReports(ctx context.Context, f server.DamageFilter) (*server.DamageReportList, error) {
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	out := &server.DamageReportList{Reports: []server.DamageReport{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketDamage), after, f.Limit, func(_, v []byte) (bool, error) {
			var r damageRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return false, err
			}
			if (f.Waybill != "" && r.Report.Waybill != f.Waybill) || (f.CourierID != "" && r.CourierID != f.CourierID) {
				return false, nil
			}
			out.Reports = append(out.Reports, d.damageView(tx, &r))
			return true, nil
		})
		return err
	})
	return out, err
}

func (d *DB) damageView(tx *bbolt.Tx, r *damageRecord) server.DamageReport {
	states := blobStates(tx, r.Report.Photos)
	v := server.DamageReport{ReportID: r.Ref, Waybill: r.Report.Waybill, CourierID: r.CourierID, Stage: r.Report.Stage,
		Severity: r.Report.Severity, Description: d.maskedText(r.Text, r.Report.Description, sealedParty{}), RecordedAt: r.RecordedAt,
		RecordedAtCorrected: r.RecordedAtCorrected, Photos: make([]server.PhotoState, len(states))}
	for i, s := range states {
		v.Photos[i] = server.PhotoState{SHA256: r.Report.Photos[i], State: s}
		if s == server.BlobPending {
			v.PhotosPending = true
		}
	}
	return v
}

var _ server.DamageReports = (*DB)(nil)
