//! Real TLS for the loopback LMS: a throwaway CA and server certificates made with the
//! `openssl` CLI in a temporary directory, and an axum listener that completes the
//! rustls handshake (ring provider, as reqwest uses) before handing a connection over.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

/// A private CA (not in any web PKI root store) that can sign server certificates.
pub struct Authority {
    pub dir: tempfile::TempDir,
    /// The CA certificate, PEM: what a `ca_bundle` names.
    pub ca_pem: PathBuf,
}

/// A server certificate chain and its key, PEM files.
#[derive(Clone)]
pub struct ServerIdentity {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run the openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Authority {
    /// A fresh CA: P-256 key, self-signed, `CA:TRUE`, valid for two days.
    pub fn new() -> Authority {
        let dir = tempfile::tempdir().expect("tempdir");
        openssl(
            dir.path(),
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=envparity test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        Authority {
            ca_pem: dir.path().join("ca.pem"),
            dir,
        }
    }

    /// A server certificate signed by this CA for the given subjectAltName entries
    /// (`DNS:localhost`, `IP:127.0.0.1`), stored under `name`.
    pub fn issue(&self, name: &str, subject_alt_names: &[&str]) -> ServerIdentity {
        self.issue_for_days(name, subject_alt_names, 2)
    }

    /// As [`Authority::issue`], valid for `days` days from now.
    pub fn issue_for_days(
        &self,
        name: &str,
        subject_alt_names: &[&str],
        days: u32,
    ) -> ServerIdentity {
        let dir = self.dir.path();
        let (key, csr, cert, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
        std::fs::write(
            dir.join(&ext),
            format!(
                "subjectAltName={}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
                subject_alt_names.join(",")
            ),
        )
        .expect("write extensions");
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "0x5e11a1",
                "-days",
                &days.to_string(),
                "-extfile",
                &ext,
                "-out",
                &cert,
            ],
        );
        ServerIdentity {
            cert_pem: dir.join(cert),
            key_pem: dir.join(key),
        }
    }

    /// The CA certificate in DER (binary) form, as a file: not a PEM bundle.
    pub fn ca_der(&self) -> PathBuf {
        openssl(
            self.dir.path(),
            &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
        );
        self.dir.path().join("ca.der")
    }
}

/// Accepts TCP connections and completes the TLS handshake; a failed handshake (a client
/// refusing the certificate, or speaking plain HTTP) is counted and the connection
/// dropped, as a real TLS terminator does. Handshakes run concurrently, one task each, so
/// that a client opening many connections at once is not made to wait (and give up).
pub struct TlsListener {
    addr: SocketAddr,
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    /// The listener for `tcp` serving `identity`, counting failed handshakes in `failed`.
    pub fn new(tcp: TcpListener, identity: &ServerIdentity, failed: Arc<AtomicUsize>) -> Self {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&identity.cert_pem)
            .expect("server certificate")
            .collect::<Result<_, _>>()
            .expect("server certificate PEM");
        let key = PrivateKeyDer::from_pem_file(&identity.key_pem).expect("server key");
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server certificate and key");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let addr = tcp.local_addr().expect("a bound listener");
        let (tx, ready) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else {
                    continue;
                };
                let (acceptor, failed, tx) = (acceptor.clone(), failed.clone(), tx.clone());
                tokio::spawn(async move {
                    // Bounded, so that a stalled client holds only its own task.
                    match tokio::time::timeout(Duration::from_secs(5), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        TlsListener { addr, ready }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The acceptor task ended with the runtime: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
