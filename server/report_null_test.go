package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestARateWithoutABaseIsNullNeverZero(t *testing.T) {
	r := QualityReport{Month: "2026-11", QualityFigures: QualityFigures{QualityFigures: syncproto.QualityFigures{Complaints: 3}}}
	r.Finish()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"complaint_rate_percent", "complaints_per_million", "satisfaction_share_percent", "claims_decided_on_time_percent"} {
		if !strings.Contains(string(raw), `"`+f+`":null`) {
			t.Errorf("%s is not null: %s", f, raw)
		}
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if row := strings.Split(buf.String(), "\n")[1]; row != "2026-11,,0,3,n/a,n/a,0,n/a,0,0,0,0,0,0,n/a,0,0,0,0,0" {
		t.Fatalf("csv row %q", row)
	}
	r.Pickups, r.SatisfactionScores, r.SatisfiedScores, r.ClaimDecisionsDue, r.ClaimsDecidedOnTime = 300, 3, 2, 4, 3
	r.Finish()
	if *r.ComplaintRatePercent != 1 || *r.SatisfactionSharePercent != 66.67 || *r.ClaimsDecidedOnTimePercent != 75 {
		t.Fatalf("rates %+v", r.QualityFigures)
	}
}
