package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// superviseTick is the supervisor's cadence.
const superviseTick = 500 * time.Millisecond

// superviseStats counts what the supervisor did.
type superviseStats struct {
	// Settlements made, their receipts and amount; a second settlement
	// of a settled receipt tried and refused with 409.
	Settlements, SettledReceipts int
	SettledCents                 int64
	ResettleTried, ResettleBad   int
	ResettleRefused              int
	// Vehicles registered (Claimed of them first seen in a courier's
	// log); a second registration of one id tried and refused with 409.
	Registered         []syncproto.NewVehicle
	Claimed            int
	DuplicateTried     int
	DuplicateRefused   int
	Certified          int
	CertifiedNotNeeded int
	// Claims and Inspect: the final round's compensation claims and the
	// month's service-quality inspection (claims.go, inspect.go).
	Claims  claimStats
	Inspect inspectStats
}

// supervisor is the supervisor actor: one goroutine with its own account.
// It settles handed-over COD with senders, registers vehicles and
// certifies the defects failed inspections open.
type supervisor struct {
	f      *fleet
	a      *actors
	s      *admin
	userID string
	runID  string
	r      *rand.Rand

	// vehicles are the run's vehicle ids: the couriers' and those
	// registered; certified maps vehicle → defect → resolution.
	vehicles  map[string]bool
	certified map[string]map[string]string
	claimed   bool
	ticks     int
	// claims are the compensation claims the run filed, as it left them.
	claims []simClaim

	stats  superviseStats
	faults faults
}

func newSupervisor(f *fleet, a *actors, s *admin, userID, runID string) *supervisor {
	sv := &supervisor{f: f, a: a, s: s, userID: userID, runID: runID, r: rand.New(rand.NewPCG(f.cfg.Seed, 0x5c9e7)),
		vehicles: map[string]bool{}, certified: map[string]map[string]string{}}
	for _, c := range f.couriers {
		sv.vehicles[c.gen.vehicleID] = true
	}
	return sv
}

// run works in steps until the dispatcher's final round is done, then does
// its own final round.
func (sv *supervisor) run(ctx context.Context, dispFinal <-chan struct{}) error {
	tick := time.NewTicker(superviseTick)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := sv.step(ctx); err != nil {
				return err
			}
		case <-dispFinal:
			err := sv.finalRound(ctx)
			sv.a.FinalRound = time.Since(sv.a.finalStart)
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (sv *supervisor) step(ctx context.Context) error {
	sv.ticks++
	switch {
	case sv.ticks == 1:
		return sv.registerOwn(ctx)
	case sv.ticks%4 == 0 && !sv.claimed:
		return sv.claim(ctx)
	case sv.ticks%2 == 0:
		return sv.settle(ctx, sv.a.b.awaitingCount()*2/3)
	case sv.ticks%4 == 1:
		return sv.certifyOpen(ctx)
	}
	return nil
}

// finalRound settles two thirds of what waits, tries a settled receipt
// again, registers a courier's vehicle if it has not, and certifies every
// open defect.
func (sv *supervisor) finalRound(ctx context.Context) error {
	if !sv.claimed {
		if err := sv.claim(ctx); err != nil {
			return err
		}
	}
	if n := sv.a.b.awaitingCount(); n > 0 {
		if err := sv.settle(ctx, max(1, n*2/3)); err != nil {
			return err
		}
	}
	if err := sv.resettle(ctx); err != nil {
		return err
	}
	if err := sv.certifyOpen(ctx); err != nil {
		return err
	}
	if err := sv.claimsRound(ctx); err != nil {
		return err
	}
	if err := sv.checkClaims(ctx); err != nil {
		return err
	}
	return sv.inspect(ctx)
}

// settle pays n of the receipts awaiting settlement to their senders.
func (sv *supervisor) settle(ctx context.Context, n int) error {
	nos := sv.a.b.takeAwaiting(n)
	if len(nos) == 0 {
		return nil
	}
	ref := fmt.Sprintf("SIM-%s-ST%03d", sv.runID, sv.stats.Settlements+1)
	want := sv.a.b.total(nos)
	ans, err := sv.s.Settle(ctx, &syncproto.SettlementRequest{ReceiptNos: nos, Reference: ref})
	if err != nil {
		sv.a.b.requeue(nos)
		return sv.faults.soft(err, "settlement %s of %d receipts", ref, len(nos))
	}
	if ans.SettlementID == "" || ans.TotalCents != want {
		sv.faults.add("settlement %s: id %q, total %d, want %d", ref, ans.SettlementID, ans.TotalCents, want)
	}
	sv.a.b.settled(nos)
	sv.stats.Settlements++
	sv.stats.SettledReceipts += len(nos)
	sv.stats.SettledCents += want
	return nil
}

// resettle settles one settled receipt again: it must be refused.
func (sv *supervisor) resettle(ctx context.Context) error {
	b := sv.a.b
	b.mu.Lock()
	var no string
	for r, st := range b.custody {
		if st == syncproto.CODSettled && (no == "" || r < no) {
			no = r
		}
	}
	b.mu.Unlock()
	if no == "" {
		return nil
	}
	sv.stats.ResettleTried++
	_, err := sv.s.Settle(ctx, &syncproto.SettlementRequest{ReceiptNos: []string{no}, Reference: "SIM-" + sv.runID + "-AGAIN"})
	switch {
	case client.StatusOf(err) == http.StatusConflict:
		sv.stats.ResettleRefused++
	case err == nil:
		sv.stats.ResettleBad++
		sv.faults.add("receipt %s was settled a second time", no)
	default:
		return sv.faults.soft(err, "settle receipt %s again: want 409", no)
	}
	return nil
}

// registerOwn registers two station vehicles, then the first again, which
// must be refused.
func (sv *supervisor) registerOwn(ctx context.Context) error {
	vs := []syncproto.NewVehicle{
		{VehicleID: fmt.Sprintf("沪A-%s-S1", sv.runID), Kind: "electric tricycle", ServiceIntervalKM: 3000, ServiceIntervalDays: 60},
		{VehicleID: fmt.Sprintf("沪A-%s-S2", sv.runID), Kind: "van", ServiceIntervalKM: 10000, ServiceIntervalDays: 180},
	}
	for _, v := range vs {
		if err := sv.register(ctx, v); err != nil {
			return err
		}
	}
	sv.stats.DuplicateTried++
	_, err := sv.s.RegisterVehicle(ctx, &vs[0])
	switch {
	case client.StatusOf(err) == http.StatusConflict:
		sv.stats.DuplicateRefused++
	case err == nil:
		sv.faults.add("vehicle %s was registered twice", vs[0].VehicleID)
	default:
		return sv.faults.soft(err, "register vehicle %s again: want 409", vs[0].VehicleID)
	}
	return nil
}

func (sv *supervisor) register(ctx context.Context, v syncproto.NewVehicle) error {
	got, err := sv.s.RegisterVehicle(ctx, &v)
	if err != nil {
		return sv.faults.soft(err, "register vehicle %s", v.VehicleID)
	}
	if got.VehicleID != v.VehicleID || got.Kind != v.Kind {
		sv.faults.add("vehicle %s registered: the view says %q, kind %q", v.VehicleID, got.VehicleID, got.Kind)
	}
	sv.vehicles[v.VehicleID] = true
	sv.stats.Registered = append(sv.stats.Registered, v)
	return nil
}

// claim registers a courier's vehicle that its logs made known (with
// default intervals): the supervisor puts it in the registry properly.
func (sv *supervisor) claim(ctx context.Context) error {
	for _, c := range sv.f.couriers {
		id := c.gen.vehicleID
		_, err := sv.s.Vehicle(ctx, id)
		if client.StatusOf(err) == http.StatusNotFound {
			continue // no log of it arrived yet
		}
		if err != nil {
			return sv.faults.soft(err, "read vehicle %s", id)
		}
		sv.claimed = true
		sv.stats.Claimed++
		return sv.register(ctx, syncproto.NewVehicle{VehicleID: id, Kind: "electric scooter", ServiceIntervalKM: 4000, ServiceIntervalDays: 90})
	}
	return nil
}

// certifyOpen lists the vehicles needing attention and certifies the open
// defects of the run's ones: most repaired, some not needing repair.
func (sv *supervisor) certifyOpen(ctx context.Context) error {
	list, err := sv.s.AllVehicles(ctx, url.Values{"attention": {"true"}})
	if err != nil {
		return sv.faults.soft(err, "list vehicles needing attention")
	}
	for _, v := range list {
		if !sv.vehicles[v.VehicleID] || v.OpenDefects == 0 {
			continue
		}
		defects, err := sv.s.AllVehicleDefects(ctx, v.VehicleID)
		if err != nil {
			return sv.faults.soft(err, "list the defects of %s", v.VehicleID)
		}
		for _, df := range defects {
			if df.Status != syncproto.DefectOpen {
				continue
			}
			res := syncproto.ResolutionRepaired
			if sv.r.IntN(4) == 0 {
				res = syncproto.ResolutionNotNeeded
			}
			body := &syncproto.CertifyDefect{Resolution: res, Note: fmt.Sprintf("sim %s: %s checked at the station", sv.runID, df.Item)}
			got, err := sv.s.CertifyDefect(ctx, v.VehicleID, df.DefectID, body)
			if err != nil {
				if err := sv.faults.soft(err, "certify defect %s of %s", df.DefectID, v.VehicleID); err != nil {
					return err
				}
				continue
			}
			if got.Status != syncproto.DefectCertified || got.Resolution != res {
				sv.faults.add("defect %s of %s certified %s: the view says %q, %q", df.DefectID, v.VehicleID, res, got.Status, got.Resolution)
			}
			if sv.certified[v.VehicleID] == nil {
				sv.certified[v.VehicleID] = map[string]string{}
			}
			sv.certified[v.VehicleID][df.DefectID] = res
			sv.stats.Certified++
			if res == syncproto.ResolutionNotNeeded {
				sv.stats.CertifiedNotNeeded++
			}
		}
	}
	return nil
}
