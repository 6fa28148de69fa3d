package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// apiClient runs commands against a running server's provisioning API
// (docs/openapi.yaml) instead of the data directory.
type apiClient struct {
	base  string // http://host:port/api/v1
	token string
	http  *http.Client
}

func newAPIClient(base, token string) *apiClient {
	if token == "" {
		token = os.Getenv("XMPPCTL_TOKEN")
	}
	return &apiClient{base: strings.TrimSuffix(base, "/") + "/api/v1", token: token, http: &http.Client{Timeout: 60 * time.Second}}
}

// do sends a request and decodes a JSON answer into out (when non-nil);
// an API error comes back as a Go error with its code and message.
func (c *apiClient) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s: %s", e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (c *apiClient) run(cmd string, args []string, stdin io.Reader, stdout io.Writer) error {
	user := func() (string, error) {
		if len(args) < 1 {
			return "", errUsage
		}
		return url.PathEscape(strings.SplitN(args[0], "@", 2)[0]), nil
	}
	switch cmd {
	case "add", "passwd":
		if len(args) < 1 || len(args) > 2 {
			return errUsage
		}
		name, _ := user()
		pass := ""
		if len(args) == 2 {
			pass = args[1]
		} else {
			var err error
			if pass, err = readPassword(stdin); err != nil {
				return err
			}
		}
		if cmd == "add" {
			return c.do("POST", "/users", map[string]string{"user": args[0], "password": pass}, nil)
		}
		return c.do("PUT", "/users/"+name+"/password", map[string]string{"password": pass}, nil)
	case "delete":
		name, err := user()
		if err != nil || len(args) != 1 {
			return errUsage
		}
		return c.do("DELETE", "/users/"+name, nil, nil)
	case "list":
		var page struct{ Users []string }
		if err := c.do("GET", "/users?limit=10000", nil, &page); err != nil {
			return err
		}
		for _, u := range page.Users {
			fmt.Fprintln(stdout, u)
		}
	case "count":
		var st map[string]int64
		if err := c.do("GET", "/stats", nil, &st); err != nil {
			return err
		}
		fmt.Fprintln(stdout, st["users"])
	case "sessions", "roster":
		name, err := user()
		if err != nil {
			return err
		}
		var out any
		if err := c.do("GET", "/users/"+name+"/"+cmd, nil, &out); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
	case "kick":
		name, err := user()
		if err != nil {
			return err
		}
		var out struct{ Kicked int }
		if err := c.do("DELETE", "/users/"+name+"/sessions", nil, &out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kicked %d\n", out.Kicked)
	case "message":
		if len(args) != 3 {
			return errUsage
		}
		return c.do("POST", "/messages", map[string]string{"from": args[0], "to": args[1], "body": args[2]}, nil)
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	return nil
}
