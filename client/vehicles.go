package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// RegisterVehicle registers a vehicle (201).
func (c *Client) RegisterVehicle(ctx context.Context, r *syncproto.NewVehicle) (*syncproto.Vehicle, error) {
	return call[syncproto.Vehicle](ctx, c, http.MethodPost, "/v1/vehicles", r)
}

// Vehicles reads one page of vehicles (attention, cursor, limit).
func (c *Client) Vehicles(ctx context.Context, q url.Values) (*syncproto.VehicleList, error) {
	return call[syncproto.VehicleList](ctx, c, http.MethodGet, "/v1/vehicles"+query(q), nil)
}

// AllVehicles reads every page of vehicles matching q.
func (c *Client) AllVehicles(ctx context.Context, q url.Values) ([]syncproto.Vehicle, error) {
	return listAll(ctx, c, "/v1/vehicles", q, func(l *syncproto.VehicleList) Page[syncproto.Vehicle] {
		return Page[syncproto.Vehicle]{l.Vehicles, l.Cursor, l.HasMore}
	})
}

// Vehicle reads one vehicle.
func (c *Client) Vehicle(ctx context.Context, id string) (*syncproto.Vehicle, error) {
	return call[syncproto.Vehicle](ctx, c, http.MethodGet, "/v1/vehicles/"+escape(id), nil)
}

// VehicleLogs reads one page of a vehicle's logs.
func (c *Client) VehicleLogs(ctx context.Context, id string, q url.Values) (*syncproto.VehicleLogList, error) {
	return call[syncproto.VehicleLogList](ctx, c, http.MethodGet, "/v1/vehicles/"+escape(id)+"/logs"+query(q), nil)
}

// VehicleDefects reads one page of a vehicle's defects.
func (c *Client) VehicleDefects(ctx context.Context, id string, q url.Values) (*syncproto.DefectList, error) {
	return call[syncproto.DefectList](ctx, c, http.MethodGet, "/v1/vehicles/"+escape(id)+"/defects"+query(q), nil)
}

// AllVehicleDefects reads every page of a vehicle's defects.
func (c *Client) AllVehicleDefects(ctx context.Context, id string) ([]syncproto.Defect, error) {
	return listAll(ctx, c, "/v1/vehicles/"+escape(id)+"/defects", nil, func(l *syncproto.DefectList) Page[syncproto.Defect] {
		return Page[syncproto.Defect]{l.Defects, l.Cursor, l.HasMore}
	})
}

// CertifyDefect certifies a defect repaired or deferred.
func (c *Client) CertifyDefect(ctx context.Context, vehicleID, defectID string, r *syncproto.CertifyDefect) (*syncproto.Defect, error) {
	return call[syncproto.Defect](ctx, c, http.MethodPost, "/v1/vehicles/"+escape(vehicleID)+"/defects/"+escape(defectID)+"/certify", r)
}
