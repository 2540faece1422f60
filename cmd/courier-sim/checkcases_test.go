package main

import (
	"strings"
	"testing"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// casesFixture is a run whose complaints and vehicles ended as the
// dispatcher and supervisor left them: cp-1 closed with the courier
// exempted, cp-2 verified, cp-3 untouched; the courier's van opened two
// defects, both certified, and the supervisor registered one vehicle.
type casesFixture struct {
	c          *courier
	complaints []courierComplaints
	plans      map[string]*simComplaint
	registered []syncproto.NewVehicle
	vehicles   map[string]vehicleState
	certified  map[string]map[string]string
}

func goodCases() *casesFixture {
	c := &courier{idx: 1, userID: "u1", gen: &generator{vehicleID: "粤B-1", odometer: 12000, defects: 2, pii: []string{"张伟", "13812345678"}}, expected: []expectedOp{
		{Kind: syncproto.KindComplaint}, {Kind: syncproto.KindComplaint}, {Kind: syncproto.KindComplaint},
		{Kind: syncproto.KindComplaint, Want: syncproto.CodeValidationFailed}, {Kind: syncproto.KindPickup},
	}}
	yes := true
	steps := []syncproto.ComplaintTransition{{To: "verified", Note: "v", ExemptCourier: &yes}, {To: "handled", Note: "h"}, {To: "closed", Note: "c"}}
	plans := map[string]*simComplaint{
		"cp-1": {ID: "cp-1", Courier: c, Target: "closed", Exempt: true, Steps: steps},
		"cp-2": {ID: "cp-2", Courier: c, Target: "verified", Steps: []syncproto.ComplaintTransition{{To: "verified", Note: "v2"}}},
		"cp-3": {ID: "cp-3", Courier: c, Target: "received"},
	}
	by := func(to, note string) syncproto.ComplaintStep {
		return syncproto.ComplaintStep{To: to, By: "disp", Note: note}
	}
	masked := syncproto.Contact{NameMasked: "张*", PhoneMasked: "138****5678"}
	return &casesFixture{
		c: c,
		complaints: []courierComplaints{{Courier: c,
			Server: []syncproto.ComplaintView{
				{ComplaintID: "cp-1", Status: "closed", Exempted: true, Customer: masked, History: []syncproto.ComplaintStep{by("verified", "v"), by("handled", "h"), by("closed", "c")}},
				{ComplaintID: "cp-2", Status: "verified", Customer: masked, History: []syncproto.ComplaintStep{by("verified", "v2")}},
				{ComplaintID: "cp-3", Status: "received", Customer: masked},
			},
			Device: []*mobileapi.ComplaintCase{{ComplaintID: "cp-2", Status: "verified"}, {ComplaintID: "cp-3", Status: "received"}},
		}},
		plans:      plans,
		registered: []syncproto.NewVehicle{{VehicleID: "沪A-S1", Kind: "van", ServiceIntervalKM: 10000, ServiceIntervalDays: 180}},
		vehicles: map[string]vehicleState{
			"粤B-1": {View: &syncproto.Vehicle{VehicleID: "粤B-1", Fit: true}, Defects: []syncproto.Defect{
				{DefectID: "df-1", Item: "brakes", Status: "certified", Resolution: "repaired"},
				{DefectID: "df-2", Item: "horn", Status: "certified", Resolution: "not_needed"}}},
			"沪A-S1": {View: &syncproto.Vehicle{VehicleID: "沪A-S1", Kind: "van", ServiceIntervalKM: 10000, ServiceIntervalDays: 180, Fit: true}},
		},
		certified: map[string]map[string]string{"粤B-1": {"df-1": "repaired", "df-2": "not_needed"}},
	}
}

func TestActorCheckOfComplaintsAndVehicles(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(f *casesFixture)
		problem string
	}{
		{"complaints and vehicles as handled pass", func(*casesFixture) {}, ""},
		{"a complaint showing its customer's phone in plain is found",
			func(f *casesFixture) { f.complaints[0].Server[2].Customer.PhoneMasked = "13812345678" },
			"complaint cp-3 does not show its customer masked"},
		{"a complaint not where the dispatcher left it is found",
			func(f *casesFixture) { f.complaints[0].Server[1].Status = "received" },
			`complaint cp-2 is "received", the dispatcher left it "verified"`},
		{"a transition missing from the history is found",
			func(f *casesFixture) { f.complaints[0].Server[0].History = f.complaints[0].Server[0].History[:2] },
			"complaint cp-1 has 2 transitions in its history, the dispatcher made 3"},
		{"a transition stamped with someone else is found",
			func(f *casesFixture) { f.complaints[0].Server[1].History[0].By = "u9" },
			`transition 1 is to "verified" by "u9"`},
		{"an exemption lost is found",
			func(f *casesFixture) { f.complaints[0].Server[0].Exempted = false },
			"complaint cp-1 exempted false, want true"},
		{"a complaint op not listed is found",
			func(f *casesFixture) {
				f.complaints[0].Server = f.complaints[0].Server[:2]
				f.complaints[0].Device = f.complaints[0].Device[:1]
			},
			"courier 1: 2 complaints listed, its handheld had 3 applied"},
		{"a closed complaint still on the handheld is found",
			func(f *casesFixture) {
				f.complaints[0].Device = append(f.complaints[0].Device, &mobileapi.ComplaintCase{ComplaintID: "cp-1", Status: "handled"})
			},
			"handheld of courier 1 shows 3 open complaints, the server has 2 open"},
		{"a defect left open is found",
			func(f *casesFixture) { f.vehicles["粤B-1"].Defects[1].Status = "open" },
			`defect df-2 (horn) is "open"`},
		{"a vehicle unfit with every defect certified is found",
			func(f *casesFixture) { f.vehicles["粤B-1"].View.Fit = false },
			"every defect certified, but fit false"},
		{"a failed item that opened no defect is found",
			func(f *casesFixture) {
				st := f.vehicles["粤B-1"]
				st.Defects = st.Defects[:1]
				f.vehicles["粤B-1"] = st
			},
			"vehicle 粤B-1: 1 defects opened, its applied inspections failed 2 items"},
		{"a certification with another resolution is found",
			func(f *casesFixture) { f.certified["粤B-1"]["df-1"] = "not_needed" },
			`defect df-1 certified "repaired", the supervisor said "not_needed"`},
		{"a registered vehicle with other intervals is found",
			func(f *casesFixture) { f.vehicles["沪A-S1"].View.ServiceIntervalDays = 365 },
			"vehicle 沪A-S1: kind \"van\", 10000 km, 365 days"},
		{"a registered vehicle missing is found",
			func(f *casesFixture) { delete(f.vehicles, "沪A-S1") },
			"vehicle 沪A-S1: not listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := goodCases()
			tt.breakIt(f)
			ac := &actorCheck{}
			ac.checkComplaints(f.complaints, f.plans, "disp")
			ac.checkVehicles([]*courier{f.c}, f.registered, f.vehicles, f.certified)
			if tt.problem == "" {
				if !ac.OK() {
					t.Fatalf("check failed a good run: %q", ac.Problems)
				}
				if ac.ComplaintsRight != 3 || ac.ComplaintsFromOps != 3 || ac.Walked != 2 || ac.Exempted != 1 || ac.ByTarget["closed"] != 1 ||
					ac.ComplaintDevicesRight != 1 || ac.Vehicles != 2 || ac.Fit != 2 || ac.DefectsCertified != 2 || ac.DefectsWant != 2 {
					t.Errorf("tallies: %+v", ac)
				}
				return
			}
			if ac.OK() {
				t.Fatal("check passed a broken run")
			}
			if !strings.Contains(strings.Join(ac.Problems, "\n"), tt.problem) {
				t.Errorf("problems %q do not mention %q", ac.Problems, tt.problem)
			}
		})
	}
}
