package server

import "github.com/courier-sync/courier-sync/syncproto"

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    string
	Role      string
	DeviceID  string
	SessionID string
	// IP is the caller's address as the HTTP layer saw it (for the audit
	// trail).
	IP string
}

// roleRank orders roles by what they may see; admin sees everything a
// supervisor does.
var roleRank = map[string]int{
	syncproto.RoleCourier:    1,
	syncproto.RoleDispatcher: 2,
	syncproto.RoleSupervisor: 3,
	syncproto.RoleAdmin:      4,
}

// AtLeast reports whether p's role is min or above in the order
// courier < dispatcher < supervisor < admin.
func (p Principal) AtLeast(min string) bool {
	return roleRank[p.Role] >= roleRank[min]
}

// IsCourier reports whether p is a courier.
func (p Principal) IsCourier() bool { return p.Role == syncproto.RoleCourier }
