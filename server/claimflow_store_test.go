package server

import (
	"errors"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

var errClaimStore = errors.New("store failed")

// failingClaims is memClaims whose method named fail returns an error.
type failingClaims struct {
	*memClaims
	fail string
}

func (f *failingClaims) err(name string) error {
	if f.fail == name {
		return errClaimStore
	}
	return nil
}

func (f *failingClaims) PickupFacts(w string) (*ClaimFacts, error) {
	p, _ := f.memClaims.PickupFacts(w)
	return p, f.err("PickupFacts")
}
func (f *failingClaims) ComplaintExists(id string) (bool, error) {
	ok, _ := f.memClaims.ComplaintExists(id)
	return ok, f.err("ComplaintExists")
}
func (f *failingClaims) Claim(id string) (*Claim, error) {
	c, _ := f.memClaims.Claim(id)
	return c, f.err("Claim")
}
func (f *failingClaims) InsertClaim(c *Claim) error {
	if err := f.err("InsertClaim"); err != nil {
		return err
	}
	return f.memClaims.InsertClaim(c)
}
func (f *failingClaims) UpdateClaim(old, c *Claim) error {
	if err := f.err("UpdateClaim"); err != nil {
		return err
	}
	return f.memClaims.UpdateClaim(old, c)
}
func (f *failingClaims) Audit(e AuditEvent) error {
	if err := f.err("Audit"); err != nil {
		return err
	}
	return f.memClaims.Audit(e)
}

func TestClaimStepsStopAtTheFirstStoreFailure(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	rules := DefaultClaimRules()
	sup := Principal{UserID: "u3", Role: syncproto.RoleSupervisor}
	fresh := func() *failingClaims {
		return &failingClaims{memClaims: &memClaims{pickups: map[string]*ClaimFacts{"WB-000001": {PickupRef: "pk-1", CourierID: "u7",
			RecordedAt: t0.AddDate(0, 0, -3), DeclaredValueCents: 50_000, FreightCents: cents(1_000)}}, claims: map[string]*Claim{}}}
	}
	file := func(m ClaimTx) (*Claim, error) {
		return FileClaim(m, sup, &NewClaim{Waybill: "WB-000001", Type: ClaimLoss, ClaimedCents: cents(40_000),
			FiledAt: t0.Format(time.RFC3339), ComplaintID: "cp-1"}, rules, t0, time.Minute)
	}
	ack := func(m ClaimTx) (*Claim, error) { return AcknowledgeClaim(m, sup, "cl-1", rules, t0) }
	decide := func(m ClaimTx) (*Claim, error) {
		return DecideClaim(m, sup, "cl-1", &ClaimDecide{AcceptRecommendation: true}, rules, t0)
	}
	pay := func(m ClaimTx) (*Claim, error) {
		return PayClaim(m, sup, "cl-1", &ClaimPay{AmountCents: cents(3_000), Reference: "bank-1"}, rules, t0)
	}
	steps := []struct {
		name string
		run  func(ClaimTx) (*Claim, error)
		fail []string
	}{
		{"filing", file, []string{"PickupFacts", "ComplaintExists", "InsertClaim", "Audit"}},
		{"acknowledging", ack, []string{"Claim", "UpdateClaim", "Audit"}},
		{"deciding", decide, []string{"Claim", "UpdateClaim", "Audit"}},
		{"paying", pay, []string{"Claim", "UpdateClaim", "Audit"}},
	}
	for i, st := range steps {
		for _, method := range st.fail {
			t.Run(st.name+" fails with "+method, func(t *testing.T) {
				m := fresh()
				for _, before := range steps[:i] {
					if _, err := before.run(m); err != nil {
						t.Fatal(err)
					}
				}
				m.fail = method
				if _, err := st.run(m); !errors.Is(err, errClaimStore) {
					t.Fatalf("err %v", err)
				}
			})
		}
	}
	t.Run("an unknown claim is not found at every step", func(t *testing.T) {
		for _, st := range steps[1:] {
			if _, err := st.run(fresh()); !errors.Is(err, ErrNotFound) {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
	})
	t.Run("a claim for an unknown complaint is unprocessable", func(t *testing.T) {
		_, err := FileClaim(fresh(), sup, &NewClaim{Waybill: "WB-000001", Type: ClaimLoss, ClaimedCents: cents(1),
			FiledAt: t0.Format(time.RFC3339), ComplaintID: "cp-9"}, rules, t0, time.Minute)
		if codeOf(err) != syncproto.CodeUnprocessable {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a decision of nothing pays nothing", func(t *testing.T) {
		m := fresh()
		file(m)
		ack(m)
		if _, err := DecideClaim(m, sup, "cl-1", &ClaimDecide{AmountCents: cents(0), Reason: "no loss"}, rules, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := pay(m); codeOf(err) != syncproto.CodeConflict {
			t.Fatalf("err %v", err)
		}
	})
}
