package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/courier-sync/courier-sync/syncproto"
)

// client is a small admin client of the courierd API.
type client struct {
	base  string
	token string
	http  http.Client
}

func (c *client) login(ctx context.Context, user, pass string) error {
	var resp syncproto.TokenResponse
	err := c.do(ctx, "POST", "/v1/auth/login", syncproto.LoginRequest{Username: user, Password: pass, DeviceID: "courierctl"}, &resp)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	c.token = resp.AccessToken
	return nil
}

// do sends body as JSON and decodes a 2xx answer into out; other answers
// become an error with the server's code and message.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// send performs the request and returns a 2xx response for the caller to
// read and close.
func (c *client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(syncproto.ProtocolHeader, fmt.Sprint(syncproto.ProtocolVersion))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	var eb syncproto.ErrorBody
	if json.NewDecoder(resp.Body).Decode(&eb) != nil || eb.Error.Code == "" {
		return nil, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return nil, fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, eb.Error.Code, eb.Error.Message)
}
