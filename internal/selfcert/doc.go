// Package selfcert gives a server a usable TLS certificate when the operator
// configured none: a self-signed ECDSA P-256 certificate for the server's DNS
// names plus the loopback addresses 127.0.0.1 and ::1.
//
// The certificate and its key live as PEM files in a directory that belongs
// to this package (cert.pem, and key.pem with mode 0600). A later start loads
// and reuses them, so clients that pinned the certificate keep trusting it,
// unless the certificate has expired (or is about to), is not yet valid, or
// was made for a different set of names; then both files are replaced. Files
// are written to a temporary name and renamed, so a crash never leaves a
// half-written key behind; a key and certificate that do not match are
// treated like missing files and regenerated.
//
// Self-signed certificates are for development, tests and first runs: XMPP
// clients and servers will not trust them without pinning.
package selfcert
