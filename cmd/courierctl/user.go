package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

func userAdd(ctx context.Context, c *client.Client, admin, pass string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var req syncproto.CreateUserRequest
	fs.StringVar(&req.Username, "username", "", "login name")
	fs.StringVar(&req.Password, "password", "", "password, at least 8 characters")
	fs.StringVar(&req.Role, "role", "", "courier, dispatcher, supervisor or admin")
	fs.StringVar(&req.DisplayName, "display-name", "", "name shown in the console")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := c.Login(ctx, admin, pass, deviceID); err != nil {
		return err
	}
	u, err := c.CreateUser(ctx, &req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s, %s)\n", u.Username, u.UserID, u.Role)
	return nil
}

func userList(ctx context.Context, c *client.Client, admin, pass string, stdout io.Writer) error {
	if _, err := c.Login(ctx, admin, pass, deviceID); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER ID\tUSERNAME\tROLE\tDISPLAY NAME")
	cursor := ""
	for {
		page, err := c.Users(ctx, url.Values{"limit": {"500"}, "cursor": {cursor}})
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.UserID, u.Username, u.Role, u.DisplayName)
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	return tw.Flush()
}
