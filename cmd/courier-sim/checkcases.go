package main

import (
	"sort"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// courierComplaints is what the server lists about one courier's
// complaints after the run, and what its handheld shows.
type courierComplaints struct {
	Courier *courier
	Server  []syncproto.ComplaintView
	Device  []*mobileapi.ComplaintCase
}

// checkComplaints: each courier's complaint ops are listed once each; every
// complaint is where the dispatcher walked it (untouched ones received),
// with exactly the dispatcher's transitions in its history (who and note),
// exempted when the dispatcher exempted the courier; and the handheld shows
// exactly the complaints not closed, in their status.
func (ac *actorCheck) checkComplaints(cs []courierComplaints, plans map[string]*simComplaint, dispatcherID string) {
	ac.ByTarget = map[string]int{}
	for _, sc := range plans {
		if sc.Target != syncproto.ComplaintReceived {
			ac.Walked++
			ac.ByTarget[sc.status()]++
			if sc.Exempt {
				ac.Exempted++
			}
		}
	}
	for _, cc := range cs {
		c := cc.Courier
		want := 0
		for _, e := range c.expected {
			if e.Kind == syncproto.KindComplaint && e.Want == "" {
				want++
			}
		}
		ac.ComplaintsFromOps += want
		seen := map[string]bool{}
		open := map[string]string{}
		pii := piiSet(c)
		for _, v := range cc.Server {
			ac.Complaints++
			if v.Customer.NameMasked == "" || v.Customer.PhoneMasked == "" || unmasked(pii, &v.Customer) {
				ac.add("complaint %s does not show its customer masked", v.ComplaintID)
			}
			if seen[v.ComplaintID] {
				ac.add("complaint %s listed twice", v.ComplaintID)
				continue
			}
			seen[v.ComplaintID] = true
			if v.Status != syncproto.ComplaintClosed {
				open[v.ComplaintID] = v.Status
			}
			if ac.complaintRight(v, plans[v.ComplaintID], dispatcherID) {
				ac.ComplaintsRight++
			}
		}
		if len(cc.Server) != want {
			ac.add("courier %d: %d complaints listed, its handheld had %d applied", c.idx, len(cc.Server), want)
		}
		ac.ComplaintDevices++
		shown := map[string]string{}
		for _, d := range cc.Device {
			shown[d.ComplaintID] = d.Status
		}
		if !sameMap(open, shown) {
			ac.add("handheld of courier %d shows %d open complaints, the server has %d open (or their statuses differ)", c.idx, len(shown), len(open))
		} else {
			ac.ComplaintDevicesRight++
		}
	}
}

// complaintRight compares one complaint with the dispatcher's walk.
func (ac *actorCheck) complaintRight(v syncproto.ComplaintView, sc *simComplaint, dispatcherID string) bool {
	var steps []syncproto.ComplaintTransition
	exempt := false
	if sc != nil {
		steps, exempt = sc.Steps, sc.Exempt && len(sc.Steps) > 0
	}
	want := complaintPath[len(steps)]
	switch {
	case v.Status != want:
		ac.add("complaint %s is %q, the dispatcher left it %q", v.ComplaintID, v.Status, want)
	case len(v.History) != len(steps):
		ac.add("complaint %s has %d transitions in its history, the dispatcher made %d", v.ComplaintID, len(v.History), len(steps))
	case v.Exempted != exempt:
		ac.add("complaint %s exempted %v, want %v", v.ComplaintID, v.Exempted, exempt)
	default:
		for i, h := range v.History {
			if h.To != steps[i].To || h.By != dispatcherID || h.Note != steps[i].Note {
				ac.add("complaint %s: transition %d is to %q by %q, want to %q by the dispatcher with its note", v.ComplaintID, i+1, h.To, h.By, steps[i].To)
				return false
			}
		}
		return true
	}
	return false
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// vehicleState is a vehicle as the server shows it after the run.
type vehicleState struct {
	View    *syncproto.Vehicle
	Defects []syncproto.Defect
}

// checkVehicles: every courier vehicle with logs has one defect per failed
// inspection item applied; every defect of the run's vehicles is certified
// (the ones the supervisor certified with its resolution), so every one of
// them is fit; the vehicles the supervisor registered carry its kind and
// intervals.
func (ac *actorCheck) checkVehicles(couriers []*courier, registered []syncproto.NewVehicle, vs map[string]vehicleState, certified map[string]map[string]string) {
	want := map[string]int{}
	for _, c := range couriers {
		if c.gen.odometer > 0 { // at least one log applied
			want[c.gen.vehicleID] = c.gen.defects
			ac.DefectsWant += c.gen.defects
		}
	}
	for _, r := range registered {
		if _, ok := want[r.VehicleID]; !ok {
			want[r.VehicleID] = 0
		}
		v := vs[r.VehicleID].View
		if v != nil && (v.Kind != r.Kind || v.ServiceIntervalKM != r.ServiceIntervalKM || v.ServiceIntervalDays != r.ServiceIntervalDays) {
			ac.add("vehicle %s: kind %q, %d km, %d days; registered as %q, %d km, %d days",
				r.VehicleID, v.Kind, v.ServiceIntervalKM, v.ServiceIntervalDays, r.Kind, r.ServiceIntervalKM, r.ServiceIntervalDays)
		}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ac.Vehicles++
		st := vs[id]
		if st.View == nil {
			ac.add("vehicle %s: not listed", id)
			continue
		}
		ac.DefectsOpened += len(st.Defects)
		if len(st.Defects) != want[id] {
			ac.add("vehicle %s: %d defects opened, its applied inspections failed %d items", id, len(st.Defects), want[id])
		}
		open := 0
		for _, d := range st.Defects {
			res, mine := certified[id][d.DefectID]
			switch {
			case d.Status != syncproto.DefectCertified:
				open++
				ac.add("vehicle %s: defect %s (%s) is %q after the supervisor's last round", id, d.DefectID, d.Item, d.Status)
			case !mine:
				ac.add("vehicle %s: defect %s certified, but not by the simulator's supervisor", id, d.DefectID)
			case d.Resolution != res:
				ac.add("vehicle %s: defect %s certified %q, the supervisor said %q", id, d.DefectID, d.Resolution, res)
			default:
				ac.DefectsCertified++
			}
		}
		switch {
		case st.View.Fit && st.View.OpenDefects == 0 && open == 0:
			ac.Fit++
		case open == 0:
			ac.add("vehicle %s: every defect certified, but fit %v with %d open defects", id, st.View.Fit, st.View.OpenDefects)
		}
	}
}
