package server

// AddClaimFiled counts a claim filed in the month.
func (q *QualityTally) AddClaimFiled(c *Claim) {
	q.each(c.CourierID, func(f *QualityFigures) { f.ClaimsFiled++ })
}

// AddClaimPaid counts a claim paid in the month (a payout after its end
// does not count).
func (q *QualityTally) AddClaimPaid(c *Claim) {
	if c.Payout == nil || !c.Payout.At.Before(q.End) {
		return
	}
	q.each(c.CourierID, func(f *QualityFigures) { f.ClaimsPaidCents += c.Payout.AmountCents })
}

// AddClaimDecisionDue counts a claim whose decision falls due in the
// month: decided by as_of (on time or not), or not decided and past due
// at as_of; one neither decided nor due yet does not count.
func (q *QualityTally) AddClaimDecisionDue(c *Claim) {
	decided := c.DecidedAt != nil && !c.DecidedAt.After(q.AsOf)
	if !decided && !q.AsOf.After(c.DecideDueBy) {
		return
	}
	onTime := decided && c.DecidedOnTime()
	q.each(c.CourierID, func(f *QualityFigures) {
		f.ClaimDecisionsDue++
		if onTime {
			f.ClaimsDecidedOnTime++
		}
	})
}

// AddInspection counts the month's inspection as it stands (a month is
// inspected after it ends): done once completed, for the company and each
// courier of its sample; items marked and failed. It reports whether the
// inspection is completed.
func (q *QualityTally) AddInspection(in *Inspection) bool {
	done := in.Status == InspectionCompleted
	if done {
		q.total.InspectionsDone++
		for _, id := range in.Couriers {
			q.courier(id).InspectionsDone++
		}
	}
	for _, it := range in.Items {
		if it.Result == ItemPending {
			continue
		}
		failed := it.Result == ItemFail
		q.both(it.CourierID, func(f *QualityFigures) {
			f.InspectionItemsChecked++
			if failed {
				f.InspectionFailures++
			}
		})
	}
	return done
}

// AddAction counts a corrective action open at as_of, and overdue then.
func (q *QualityTally) AddAction(a *CorrectiveAction) {
	if !a.OpenAt(q.AsOf) {
		return
	}
	overdue := a.OverdueAt(q.AsOf)
	q.both(a.CourierID, func(f *QualityFigures) {
		f.CorrectiveActionsOpen++
		if overdue {
			f.CorrectiveActionsOverdue++
		}
	})
}

// AddVehicle counts a vehicle in its state at as_of when it needs
// attention then.
func (q *QualityTally) AddVehicle(v *Vehicle) {
	if len(v.Reasons) == 0 {
		return
	}
	q.total.VehiclesNeedingAttention++
	q.attention[v.VehicleID] = true
}

// AddDriver counts, for a courier who logged a vehicle in the month, the
// vehicle if it needed attention (call after every AddVehicle).
func (q *QualityTally) AddDriver(courier, vehicleID string) {
	if q.attention[vehicleID] {
		q.courier(courier).VehiclesNeedingAttention++
	}
}
