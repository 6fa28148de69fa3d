package main

import (
	"log/slog"

	"xmppd/engine/extauth"
	"xmppd/engine/sasl"
	"xmppd/internal/config"
)

// authConfig builds external authentication (when auth.external_url is
// set) and the single sign-on token issuer from the configuration.
func authConfig(cfg config.Config, log *slog.Logger) (sasl.ExternalVerifier, *extauth.Tokens, error) {
	tokens, err := extauth.NewTokens([]byte(cfg.Auth.TokenSecret), cfg.Auth.TokenTTL, nil)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Auth.ExternalURL == "" {
		return nil, tokens, nil
	}
	v, err := extauth.New(extauth.Config{
		URL:      cfg.Auth.ExternalURL,
		Domain:   cfg.Hosts()[0],
		Timeout:  cfg.Auth.ExternalTimeout,
		CacheTTL: cfg.Auth.ExternalCacheTTL,
	})
	if err != nil {
		return nil, nil, err
	}
	log.Info("external authentication", "url", cfg.Auth.ExternalURL)
	return v, tokens, nil
}
